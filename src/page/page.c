/* Page building blocks and every customer-facing string, per language. */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "page.h"

static const char *const language_codes[PAGE_LANGUAGE_COUNT] = {"en", "de",
                                                                "fr"};

page_language_t page_language(const char *code)
{
  int i;
  for(i = 0; code && i < PAGE_LANGUAGE_COUNT; i++)
    if(!strncasecmp(code, language_codes[i], 2) &&
       (code[2] == '\0' || code[2] == '-' || code[2] == '_'))
      return (page_language_t)i;
  return PAGE_EN;
}

const char *page_language_code(page_language_t language)
{
  return language_codes[language < PAGE_LANGUAGE_COUNT ? language : 0];
}

static const char *const texts[PAGE_TEXT_COUNT][PAGE_LANGUAGE_COUNT] = {
  [PAGE_TEXT_TITLE] = {"Payment", "Zahlung", "Paiement"},
  [PAGE_TEXT_PAY_TO] = {"Payment to", "Zahlung an", "Paiement à"},
  [PAGE_TEXT_TOTAL] = {"Total", "Gesamtbetrag", "Total"},
  [PAGE_TEXT_SURCHARGE] = {"of which surcharge", "davon Aufschlag",
                           "dont supplément"},
  [PAGE_TEXT_ITEMS] = {"Items", "Artikel", "Articles"},
  [PAGE_TEXT_METHOD] = {"Payment method", "Zahlungsart",
                        "Moyen de paiement"},
  [PAGE_TEXT_CARD] = {"Card", "Karte", "Carte"},
  [PAGE_TEXT_BANK_TRANSFER] = {"Bank transfer", "Banküberweisung",
                               "Virement bancaire"},
  [PAGE_TEXT_WALLET] = {"Wallet", "Wallet", "Portefeuille"},
  [PAGE_TEXT_INVOICE] = {"Invoice", "Rechnung", "Facture"},
  [PAGE_TEXT_CARD_NUMBER] = {"Card number", "Kartennummer",
                             "Numéro de carte"},
  [PAGE_TEXT_EXPIRY_MONTH] = {"Expiry month", "Ablaufmonat",
                              "Mois d'expiration"},
  [PAGE_TEXT_EXPIRY_YEAR] = {"Expiry year", "Ablaufjahr",
                             "Année d'expiration"},
  [PAGE_TEXT_CVC] = {"Security code", "Prüfnummer", "Cryptogramme"},
  [PAGE_TEXT_HOLDER] = {"Name on card", "Name auf der Karte",
                        "Nom sur la carte"},
  [PAGE_TEXT_PAY] = {"Pay", "Bezahlen", "Payer"},
  [PAGE_TEXT_CANCEL] = {"Cancel and return to the shop",
                        "Abbrechen und zum Shop zurückkehren",
                        "Annuler et revenir à la boutique"},
  [PAGE_TEXT_TEST_MODE] = {"Test mode: no real money moves.",
                           "Testmodus: es fließt kein echtes Geld.",
                           "Mode test : aucun argent réel n'est débité."},
  [PAGE_TEXT_ATTEMPTS_LEFT] = {"Attempts left:", "Verbleibende Versuche:",
                               "Tentatives restantes :"},
  [PAGE_TEXT_BACK_TO_SHOP] = {"Back to the shop", "Zurück zum Shop",
                              "Retour à la boutique"},
  [PAGE_TEXT_PAID] = {"Thank you, your payment was received.",
                      "Vielen Dank, Ihre Zahlung ist eingegangen.",
                      "Merci, votre paiement a été reçu."},
  [PAGE_TEXT_HOLD] = {"Thank you, your payment was authorized.",
                      "Vielen Dank, Ihre Zahlung wurde autorisiert.",
                      "Merci, votre paiement a été autorisé."},
  [PAGE_TEXT_PENDING] = {"Your payment is being processed.",
                         "Ihre Zahlung wird bearbeitet.",
                         "Votre paiement est en cours de traitement."},
  [PAGE_TEXT_RECEIVED] = {"This order has been paid.",
                          "Diese Bestellung wurde bezahlt.",
                          "Cette commande a été payée."},
  [PAGE_TEXT_EXPIRED] = {"The time to pay this order has passed.",
                         "Die Zahlungsfrist für diese Bestellung ist "
                         "abgelaufen.",
                         "Le délai de paiement de cette commande est "
                         "dépassé."},
  [PAGE_TEXT_CANCELLED] = {"This order was cancelled.",
                           "Diese Bestellung wurde storniert.",
                           "Cette commande a été annulée."},
  [PAGE_TEXT_REJECTED] = {"You cancelled the payment.",
                          "Sie haben die Zahlung abgebrochen.",
                          "Vous avez annulé le paiement."},
  [PAGE_TEXT_NOT_PAYABLE] = {"This order cannot be paid now.",
                             "Diese Bestellung kann jetzt nicht bezahlt "
                             "werden.",
                             "Cette commande ne peut pas être payée "
                             "maintenant."},
  [PAGE_TEXT_NOT_FOUND] = {"This payment page does not exist.",
                           "Diese Zahlungsseite gibt es nicht.",
                           "Cette page de paiement n'existe pas."},
  [PAGE_TEXT_FORBIDDEN] = {"This form has expired. Please reload the page "
                           "and try again.",
                           "Dieses Formular ist abgelaufen. Bitte laden Sie "
                           "die Seite neu.",
                           "Ce formulaire a expiré. Veuillez recharger la "
                           "page."},
  [PAGE_TEXT_INVALID_INPUT] = {"Please check the highlighted field.",
                               "Bitte prüfen Sie das markierte Feld.",
                               "Veuillez vérifier le champ indiqué."},
  [PAGE_TEXT_FIELDS_INVALID] = {"Some fields are invalid; nothing was "
                                "charged.",
                                "Einige Angaben sind ungültig; es wurde "
                                "nichts belastet.",
                                "Certains champs sont invalides ; rien n'a "
                                "été débité."},
  [PAGE_TEXT_CHALLENGE] = {"Sandbox bank: confirm this payment (3-D Secure)",
                           "Sandbox-Bank: Zahlung bestätigen (3-D Secure)",
                           "Banque sandbox : confirmez ce paiement "
                           "(3-D Secure)"},
  [PAGE_TEXT_APPROVE] = {"Approve", "Bestätigen", "Approuver"},
  [PAGE_TEXT_FAIL] = {"Fail authentication", "Authentifizierung ablehnen",
                      "Échouer l'authentification"},
  [PAGE_TEXT_BANK] = {"Sandbox bank: authorize this transfer",
                      "Sandbox-Bank: Überweisung freigeben",
                      "Banque sandbox : autorisez ce virement"},
  [PAGE_TEXT_DECLINE] = {"Decline", "Ablehnen", "Refuser"},
  [PAGE_TEXT_WALLET_COUNTRY] = {"Sandbox wallet: choose your country",
                                "Sandbox-Wallet: wählen Sie Ihr Land",
                                "Portefeuille sandbox : choisissez votre "
                                "pays"},
  [PAGE_TEXT_CONFIRM] = {"Confirm", "Bestätigen", "Confirmer"},
};

const char *page_text(page_language_t language, page_text_t text)
{
  if(language >= PAGE_LANGUAGE_COUNT)
    language = PAGE_EN;
  return text < PAGE_TEXT_COUNT ? texts[text][language] : "";
}

static const struct {
  const char *code;
  const char *text[PAGE_LANGUAGE_COUNT];
} messages[] = {
  {"card_declined",
   {"Your card was declined.", "Ihre Karte wurde abgelehnt.",
    "Votre carte a été refusée."}},
  {"insufficient_funds",
   {"Your card has insufficient funds.",
    "Ihre Karte ist nicht ausreichend gedeckt.",
    "Votre carte n'est pas suffisamment approvisionnée."}},
  {"expired_card",
   {"Your card has expired.", "Ihre Karte ist abgelaufen.",
    "Votre carte a expiré."}},
  {"incorrect_cvc",
   {"Your card's security code is incorrect.",
    "Die Prüfnummer Ihrer Karte ist falsch.",
    "Le cryptogramme de votre carte est incorrect."}},
  {"processing_error",
   {"An error occurred while processing your card. Try again later.",
    "Bei der Verarbeitung Ihrer Karte ist ein Fehler aufgetreten. Versuchen "
    "Sie es später erneut.",
    "Une erreur s'est produite lors du traitement de votre carte. "
    "Réessayez plus tard."}},
  {"authentication_failed",
   {"3-D Secure authentication failed.",
    "Die 3-D-Secure-Authentifizierung ist fehlgeschlagen.",
    "L'authentification 3-D Secure a échoué."}},
  {"bank_declined",
   {"The bank declined the transfer.",
    "Die Bank hat die Überweisung abgelehnt.",
    "La banque a refusé le virement."}},
  {"COUNTRY_MISMATCH",
   {"Please checkout with the same country as in your wallet.",
    "Bitte bezahlen Sie mit demselben Land wie in Ihrer Wallet.",
    "Veuillez payer avec le même pays que dans votre portefeuille."}},
  {"acquirer_timeout",
   {"The payment could not be confirmed in time.",
    "Die Zahlung konnte nicht rechtzeitig bestätigt werden.",
    "Le paiement n'a pas pu être confirmé à temps."}},
  {"action_expired",
   {"The payment was not completed in time.",
    "Die Zahlung wurde nicht rechtzeitig abgeschlossen.",
    "Le paiement n'a pas été finalisé à temps."}},
  {"cancelled",
   {"The payment was cancelled.", "Die Zahlung wurde abgebrochen.",
    "Le paiement a été annulé."}},
  {NULL,
   {"The payment failed.", "Die Zahlung ist fehlgeschlagen.",
    "Le paiement a échoué."}},
};

const char *page_message(page_language_t language, const char *code)
{
  size_t i;

  if(language >= PAGE_LANGUAGE_COUNT)
    language = PAGE_EN;
  for(i = 0; messages[i].code; i++)
    if(code && !strcmp(messages[i].code, code))
      break;
  return messages[i].text[language];
}

obol_rc page_escape(core_buf_t *out, const char *text)
{
  const char *start = text;
  obol_rc rc = OBOL_OK;

  if(!text)
    return OBOL_OK;
  for(; !rc && *text; text++) {
    const char *entity = NULL;
    switch(*text) {
    case '&': entity = "&amp;"; break;
    case '<': entity = "&lt;"; break;
    case '>': entity = "&gt;"; break;
    case '"': entity = "&quot;"; break;
    case '\'': entity = "&#39;"; break;
    default: continue;
    }
    rc = core_buf_append(out, start, (size_t)(text - start));
    if(!rc)
      rc = core_buf_append_str(out, entity);
    start = text + 1;
  }
  if(!rc)
    rc = core_buf_append(out, start, (size_t)(text - start));
  return rc;
}

/* Scripts are never needed; styles are inline; forms post to us only. */
const char page_security_policy[] =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; frame-ancestors 'none'";

static const char page_style[] =
    "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;"
    "color:#1d2330}main{max-width:30rem;margin:2rem auto;background:#fff;"
    "padding:1.5rem 2rem;border-radius:.5rem;box-shadow:0 1px 4px #0002}"
    "h1{font-size:1.3rem}label{display:block;margin:.6rem 0 .2rem}"
    "input,select{width:100%;padding:.45rem;box-sizing:border-box;"
    "font-size:1rem}input.invalid{border:2px solid #c81e1e}"
    "fieldset{border:1px solid #ccd;margin:1rem 0}"
    "fieldset label{display:inline;margin-right:1rem}"
    "fieldset input{width:auto}fieldset label{white-space:nowrap}"
    "button{font:inherit;margin-top:1rem;padding:.6rem 1.2rem;"
    "font-size:1rem;border:0;border-radius:.3rem;background:#2456c7;"
    "color:#fff;cursor:pointer}button.secondary{background:none;"
    "color:#2456c7;padding:0;text-decoration:underline}"
    ".error{background:#fde8e8;color:#9b1c1c;padding:.6rem;border-radius:"
    ".3rem}.test{background:#fff4d6;padding:.4rem;font-size:.9rem}"
    "table{width:100%;border-collapse:collapse}td{padding:.2rem 0}"
    "td.amount{text-align:right}.total{font-size:1.4rem;font-weight:600}";

obol_rc page_begin(core_buf_t *out, page_language_t language,
                   const char *title)
{
  obol_rc rc = page_printf(out, "<!doctype html><html lang=\"%s\"><head>"
                           "<meta charset=\"utf-8\"><meta name=\"viewport\" "
                           "content=\"width=device-width,initial-scale=1\">"
                           "<title>%s</title><style>",
                           page_language_code(language), title);
  if(!rc)
    rc = core_buf_append_str(out, page_style);
  if(!rc)
    rc = core_buf_append_str(out, "</style></head><body><main>");
  return rc;
}

obol_rc page_end(core_buf_t *out)
{
  return core_buf_append_str(out, "</main></body></html>");
}

obol_rc page_printf(core_buf_t *out, const char *format, ...)
{
  va_list ap;
  obol_rc rc = OBOL_OK;
  const char *p = format;

  va_start(ap, format);
  while(!rc && *p) {
    const char *percent = strchr(p, '%');
    if(!percent) {
      rc = core_buf_append_str(out, p);
      break;
    }
    rc = core_buf_append(out, p, (size_t)(percent - p));
    if(rc)
      break;
    if(percent[1] == 's') {
      rc = page_escape(out, va_arg(ap, const char *));
      p = percent + 2;
    }
    else if(percent[1] == 'd') {
      rc = core_buf_printf(out, "%d", va_arg(ap, int));
      p = percent + 2;
    }
    else if(!strncmp(percent, "%lld", 4)) {
      rc = core_buf_printf(out, "%lld", va_arg(ap, long long));
      p = percent + 4;
    }
    else {
      rc = core_buf_append(out, "%", 1);
      p = percent + (percent[1] == '%' ? 2 : 1);
    }
  }
  va_end(ap);
  return rc;
}

obol_rc page_amount(core_buf_t *out, int64_t minor, const char *currency,
                    page_language_t language)
{
  const core_currency_t *found = core_currency_find(currency);
  char text[40];
  char *point;

  core_money_format(minor, found ? found->exponent : 2, text, sizeof(text));
  point = strchr(text, '.');
  if(point && language != PAGE_EN)
    *point = ',';
  return page_printf(out, "%s %s", text, currency);
}
