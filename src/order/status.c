/* Order statuses and THE transition table. */
#include <string.h>

#include "order.h"

static const char *const status_names[ORDER_STATUS_COUNT] = {
  [ORDER_ISSUED] = "issued",
  [ORDER_VIEWED] = "viewed",
  [ORDER_IN_PROGRESS] = "in_progress",
  [ORDER_PAID] = "paid",
  [ORDER_FAILED] = "failed",
  [ORDER_HOLD] = "hold",
  [ORDER_OVERDUE] = "overdue",
  [ORDER_EXPIRED] = "expired",
  [ORDER_CANCELLED] = "cancelled",
  [ORDER_REJECTED] = "rejected",
  [ORDER_RECEIVED] = "received",
  [ORDER_REFUNDED] = "refunded",
  [ORDER_REVERSED] = "reversed",
  [ORDER_REFUND_INITIATED] = "refund_initiated",
  [ORDER_REFUND_FAILED] = "refund_failed",
  [ORDER_REFUND_REVERSED] = "refund_reversed",
  [ORDER_REVERSAL_INITIATED] = "reversal_initiated",
  [ORDER_REVERSAL_FAILED] = "reversal_failed",
  [ORDER_CHARGEBACK] = "chargeback",
  [ORDER_REPRESENTATION] = "representation",
  [ORDER_RETRIEVAL] = "retrieval",
  [ORDER_PRE_ARBITRATION] = "pre_arbitration",
  [ORDER_ARBITRATION] = "arbitration",
  [ORDER_PRE_COMPLIANCE] = "pre_compliance",
  [ORDER_COMPLIANCE] = "compliance",
  [ORDER_GOOD_FAITH] = "good_faith",
  [ORDER_FRAUD_ADVICE] = "fraud_advice",
  [ORDER_CREATED] = "created",
};

const char *order_status_name(order_status_t status)
{
  if(status < 0 || status >= ORDER_STATUS_COUNT)
    return "unknown";
  return status_names[status];
}

int order_status_parse(const char *name)
{
  int i;
  for(i = 0; name && i < ORDER_STATUS_COUNT; i++)
    if(!strcmp(status_names[i], name))
      return i;
  return -1;
}

/* Sets of statuses, as bit masks, to keep the table short. */
#define BIT(status) (1ULL << (status))
/* Not yet paid, payment still possible. */
#define PAYABLE                                                      \
  (BIT(ORDER_ISSUED) | BIT(ORDER_VIEWED) | BIT(ORDER_FAILED) |       \
   BIT(ORDER_OVERDUE))
/* Money was taken: disputes may open. */
#define SETTLED                                                      \
  (BIT(ORDER_PAID) | BIT(ORDER_REFUNDED) | BIT(ORDER_REFUND_FAILED) | \
   BIT(ORDER_REFUND_REVERSED))

typedef struct {
  uint64_t from;   /* a set of statuses */
  order_status_t to;
  const char *event;
} transition_t;

/* THE table: every status change in Obol is one of these rows. */
static const transition_t transitions[] = {
  /* before payment */
  {BIT(ORDER_ISSUED), ORDER_VIEWED, "order.viewed"},
  {PAYABLE | BIT(ORDER_CREATED), ORDER_IN_PROGRESS, "order.in_progress"},
  {PAYABLE | BIT(ORDER_IN_PROGRESS), ORDER_PAID, "order.payment_success"},
  {PAYABLE | BIT(ORDER_IN_PROGRESS), ORDER_HOLD, "order.hold"},
  {PAYABLE | BIT(ORDER_IN_PROGRESS), ORDER_FAILED, "order.payment_failure"},
  {BIT(ORDER_ISSUED) | BIT(ORDER_VIEWED) | BIT(ORDER_FAILED), ORDER_OVERDUE,
   "order.overdue"},
  {PAYABLE, ORDER_EXPIRED, "order.expired"},
  {PAYABLE, ORDER_CANCELLED, "order.cancelled"},
  {PAYABLE, ORDER_REJECTED, "order.rejected"},
  {PAYABLE, ORDER_RECEIVED, "order.received"},
  /* an invoice awaits payment (the API allows these for invoices only) */
  {BIT(ORDER_IN_PROGRESS), ORDER_RECEIVED, "order.received"},
  {BIT(ORDER_IN_PROGRESS), ORDER_CANCELLED, "order.cancelled"},
  /* a hold is captured or voided (by the merchant or after 28 days) */
  {BIT(ORDER_HOLD), ORDER_PAID, "order.captured"},
  {BIT(ORDER_HOLD), ORDER_CANCELLED, "order.cancelled"},
  /* refunds */
  {BIT(ORDER_PAID) | BIT(ORDER_REFUNDED) | BIT(ORDER_REFUND_FAILED) |
       BIT(ORDER_REFUND_REVERSED),
   ORDER_REFUND_INITIATED, "order.refund_initiated"},
  {BIT(ORDER_REFUND_INITIATED), ORDER_REFUNDED, "order.refunded"},
  {BIT(ORDER_REFUND_INITIATED), ORDER_REFUND_FAILED, "order.refund_failed"},
  {BIT(ORDER_REFUNDED), ORDER_REFUND_REVERSED, "order.refund_reversed"},
  /* reversals */
  {BIT(ORDER_PAID) | BIT(ORDER_HOLD) | BIT(ORDER_REVERSAL_FAILED),
   ORDER_REVERSAL_INITIATED, "order.reversal_initiated"},
  {BIT(ORDER_REVERSAL_INITIATED), ORDER_REVERSED, "order.reversed"},
  {BIT(ORDER_REVERSAL_INITIATED), ORDER_REVERSAL_FAILED,
   "order.reversal_failed"},
  /* disputes, as the acquirer reports them */
  {SETTLED, ORDER_RETRIEVAL, "order.dispute_retrieval"},
  {SETTLED, ORDER_FRAUD_ADVICE, "order.dispute_fraud_advice"},
  {SETTLED | BIT(ORDER_RETRIEVAL) | BIT(ORDER_FRAUD_ADVICE) |
       BIT(ORDER_REPRESENTATION) | BIT(ORDER_ARBITRATION) |
       BIT(ORDER_COMPLIANCE) | BIT(ORDER_GOOD_FAITH),
   ORDER_CHARGEBACK, "order.dispute_chargeback"},
  {BIT(ORDER_CHARGEBACK) | BIT(ORDER_PRE_ARBITRATION), ORDER_REPRESENTATION,
   "order.dispute_representation"},
  {BIT(ORDER_CHARGEBACK) | BIT(ORDER_REPRESENTATION), ORDER_PRE_ARBITRATION,
   "order.dispute_pre_arbitration"},
  {BIT(ORDER_CHARGEBACK) | BIT(ORDER_REPRESENTATION) |
       BIT(ORDER_PRE_ARBITRATION),
   ORDER_ARBITRATION, "order.dispute_arbitration"},
  {BIT(ORDER_PRE_ARBITRATION) | BIT(ORDER_ARBITRATION), ORDER_PRE_COMPLIANCE,
   "order.dispute_pre_compliance"},
  {BIT(ORDER_PRE_COMPLIANCE), ORDER_COMPLIANCE, "order.dispute_compliance"},
  {BIT(ORDER_CHARGEBACK) | BIT(ORDER_PRE_COMPLIANCE), ORDER_GOOD_FAITH,
   "order.dispute_good_faith"},
  {BIT(ORDER_RETRIEVAL) | BIT(ORDER_FRAUD_ADVICE) | BIT(ORDER_REPRESENTATION) |
       BIT(ORDER_PRE_ARBITRATION) | BIT(ORDER_ARBITRATION) |
       BIT(ORDER_PRE_COMPLIANCE) | BIT(ORDER_COMPLIANCE) |
       BIT(ORDER_GOOD_FAITH),
   ORDER_PAID, "order.dispute_won"},
  /* payouts: created -> in_progress (above) -> paid or failed */
  {BIT(ORDER_CREATED), ORDER_FAILED, "order.payment_failure"},
};

obol_rc order_transition(order_status_t from, order_status_t to,
                         const char **event_type)
{
  size_t i;

  if(from < 0 || from >= ORDER_STATUS_COUNT)
    return OBOL_ERR_CONFLICT;
  for(i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
    if(transitions[i].to == to && (transitions[i].from & BIT(from))) {
      if(event_type)
        *event_type = transitions[i].event;
      return OBOL_OK;
    }
  return OBOL_ERR_CONFLICT;
}

int order_status_payable(order_status_t status)
{
  return (PAYABLE & BIT(status)) != 0;
}

int order_event_pattern_known(const char *pattern)
{
  size_t len = strlen(pattern);
  int prefix = len > 0 && pattern[len - 1] == '*';
  size_t i;

  static const char *const others[] = {
    "order.issued", "order.created", "order.partially_captured",
    "order.partially_refunded",
    "transaction.pending", "transaction.incomplete",
    "transaction.successful", "transaction.failed", "transaction.error",
    "transaction.expired", NULL};

  if(!strcmp(pattern, "*"))
    return 1;
  for(i = 0; others[i]; i++)
    if(prefix ? !strncmp(others[i], pattern, len - 1)
              : !strcmp(others[i], pattern))
      return 1;
  for(i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
    if(prefix ? !strncmp(transitions[i].event, pattern, len - 1)
              : !strcmp(transitions[i].event, pattern))
      return 1;
  return 0;
}
