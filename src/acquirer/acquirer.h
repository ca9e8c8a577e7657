/* acquirer: the connector interface, card checks, and the sandbox acquirer.
 *
 * A connector is one acquirer_ops_t: adding a real acquirer is one new file
 * that fills it. The payment module calls it outside any database
 * transaction, with a timeout, and records what it answered; a connector
 * never touches the store. Answers come back in two ways: synchronously
 * (the result of execute()), or later, when the acquirer has finished
 * something the customer or a reviewer had to do; the payment module then
 * asks query() (from its sweeper, or when the customer comes back).
 *
 * Card numbers and CVCs exist only in acquirer_card_t, in the memory of one
 * request: nothing here stores or logs them. */
#ifndef OBOL_ACQUIRER_H
#define OBOL_ACQUIRER_H

#include <stdint.h>

#include "../core/core.h"

#define ACQUIRER_TEXT_MAX 64
#define ACQUIRER_URL_MAX 1024

typedef enum {
  ACQUIRER_AUTHORIZE, /* reserve the amount (capture later) */
  ACQUIRER_SALE,      /* authorize and capture at once */
  ACQUIRER_CAPTURE,
  ACQUIRER_VOID,
  ACQUIRER_REFUND,
  ACQUIRER_REVERSAL,  /* undo a payment whole, before settlement */
  ACQUIRER_PAYOUT     /* send money to a card or a bank account */
} acquirer_operation_t;

/* What the acquirer said. */
typedef enum {
  ACQUIRER_APPROVED,
  ACQUIRER_DECLINED,
  ACQUIRER_ERROR,    /* the acquirer failed; the customer may try again */
  ACQUIRER_ACTION,   /* the customer must act first: see action_url */
  ACQUIRER_PENDING,  /* not decided yet (review): query after check_after */
  ACQUIRER_TIMEOUT,  /* no answer in time: the outcome is unknown */
  ACQUIRER_EXPIRED   /* the customer never finished the action */
} acquirer_outcome_t;

typedef enum {
  ACQUIRER_METHOD_CARD,
  ACQUIRER_METHOD_BANK_TRANSFER,
  ACQUIRER_METHOD_WALLET,
  ACQUIRER_METHOD_INVOICE,
  ACQUIRER_METHOD_COUNT
} acquirer_method_t;

typedef enum {
  ACQUIRER_BRAND_UNKNOWN,
  ACQUIRER_BRAND_VISA,
  ACQUIRER_BRAND_MASTER,
  ACQUIRER_BRAND_AMEX
} acquirer_brand_t;

/* Card data as the customer typed it; never copied anywhere else. */
typedef struct {
  char number[20]; /* digits only */
  char cvc[5];
  int exp_month;
  int exp_year;
  const char *holder;
} acquirer_card_t;

typedef struct {
  acquirer_operation_t operation;
  acquirer_method_t method;
  const char *transaction_id;  /* Obol's uid, for the acquirer's records */
  const char *reference;       /* the acquirer's ref_id of the attempt
                                  (query, capture, void, refund) */
  const acquirer_card_t *card; /* NULL unless a new card payment/payout */
  const char *iban;            /* a payout to a bank account */
  int64_t amount;
  const char *currency;
  const char *customer_ip;
  const char *customer_country; /* the order's client country, or NULL */
  const char *action_base;      /* Obol's public URL, for action pages */
  const char *token;            /* the order's checkout token */
  int timeout_ms;
} acquirer_request_t;

typedef struct {
  acquirer_outcome_t outcome;
  char code[ACQUIRER_TEXT_MAX];    /* decline code, "" when approved */
  char message[128];               /* English; pages translate by code */
  char auth_code[16];
  char bank_code[16];
  char rrn[24];
  char ref_id[ACQUIRER_TEXT_MAX];  /* the acquirer's reference */
  char avs_result[4];
  char cvc_result[4];
  char billing_descriptor[32];
  char three_d_secure[24];         /* authenticated, failed, not_required */
  char action_url[ACQUIRER_URL_MAX];
  int action_form;                 /* 1: POST a form to action_url */
  int64_t check_after_ms;          /* PENDING/ACTION: when to query */
  int64_t dispute_after_ms;        /* APPROVED: a chargeback will follow, */
  char dispute_reference[ACQUIRER_TEXT_MAX]; /* to be queried under this */
} acquirer_result_t;

typedef struct {
  const char *name;
  /* A new attempt or an operation on one. OBOL_OK with a result, whatever
   * the outcome; an rc only for a broken call (then treated as TIMEOUT). */
  obol_rc (*execute)(const acquirer_request_t *request,
                     acquirer_result_t *result);
  /* The current outcome of the attempt whose reference is in request. */
  obol_rc (*query)(const acquirer_request_t *request,
                   acquirer_result_t *result);
} acquirer_ops_t;

extern const acquirer_ops_t acquirer_sandbox;

/* Settings of the sandbox, set once at start. */
typedef struct {
  int review_ms; /* how long cards ...1000/...1018 stay on review */
  int refund_ms; /* how long a refund waits for the bank's answer */
  int dispute_ms; /* after how long card ...0259 is charged back */
} acquirer_sandbox_config_t;
void acquirer_sandbox_configure(const acquirer_sandbox_config_t *config);

/* What a customer did on a sandbox page, reported back by the pages as the
 * acquirer's asynchronous answer. Encoded into the attempt's reference so
 * query() stays stateless (any node can answer it). */
typedef enum {
  ACQUIRER_STEP_APPROVE,
  ACQUIRER_STEP_FAIL
} acquirer_step_t;
/* The reference after the customer's step; the wallet passes the country
 * chosen and the order's. OBOL_ERR_INVALID if the reference is not awaiting
 * a step. */
obol_rc acquirer_sandbox_step(const char *reference, acquirer_step_t step,
                              const char *chosen_country,
                              const char *order_country, char *out,
                              size_t out_size);

/* ---- methods and cards ---- */
const char *acquirer_method_name(acquirer_method_t method);
/* -1 when unknown. */
int acquirer_method_parse(const char *name);
const char *acquirer_brand_name(acquirer_brand_t brand);
acquirer_brand_t acquirer_card_brand(const char *digits);
int acquirer_luhn_valid(const char *digits);
/* Each field of a card the customer entered: NULL if valid, else what is
 * wrong (English). The expiry sets *field to exp_month or exp_year. */
const char *acquirer_card_number_problem(const char *digits);
const char *acquirer_card_expiry_problem(int month, int year, int64_t now,
                                         const char **field);
const char *acquirer_card_cvc_problem(const char *cvc, const char *number);
/* Checks a card the customer entered, at now (ms). NULL if valid, else the
 * first field that is wrong ("number", "exp_month", "exp_year", "cvc") with
 * *problem set to an English explanation. */
const char *acquirer_card_check(const acquirer_card_t *card, int64_t now,
                                const char **problem);

#endif
