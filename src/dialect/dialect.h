/* dialect: Obol's objects in the shapes of the seed providers' APIs, for
 * the thin layers that let clients written for those APIs talk to Obol
 * (the API's answers and the notify worker's webhook bodies alike). Pure
 * translation: no store, no state. */
#ifndef OBOL_DIALECT_H
#define OBOL_DIALECT_H

#include <jansson.h>

#include "../core/core.h"

/* ---- seed 002: the DECTA-style Gate API v0.6 ---- */

/* The provider's name of an Obol event type (order.cancelled ->
 * order.canceled, order.refunded -> order.invoice_refunded ...); the type
 * itself when the provider has no other name. */
const char *dialect_gate_event(const char *type);
/* Back: the Obol event type of a provider name, or NULL if unknown. */
const char *dialect_gate_event_type(const char *name);

/* The order in the provider's shape, from Obol's full view of it (the
 * JSON every event carries as data.order) and, when known, the order's
 * events (an array of {type, created_at (ms)}) for the timestamps and
 * status_changes. public_url builds api_do_url. full: client, products
 * and the rest of the standard view too. */
json_t *dialect_gate_order(json_t *order, json_t *events,
                           const char *public_url, int full);

/* ---- seed 003: checkout tokens (beGateway-style CTP) ---- */

/* A transaction in that provider's shape, from Obol's transaction and its
 * order (their JSON as events carry them); public_url builds receipt_url. */
json_t *dialect_ctp_transaction(json_t *transaction, json_t *order,
                                const char *public_url);

#endif
