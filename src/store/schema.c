/* The SQL of the store, written once for both backends: numbered
 * migrations and every statement, with ?N parameters. A backend adapts the
 * few dialect differences when it prepares them (see internal.h). */
#include "internal.h"

#define SHOP_COLUMNS                                                      \
  "id, name, default_currency, default_language, allowed_redirect_hosts, " \
  "url, country, contact_email, contact_phone, created_at, updated_at, "   \
  "brands, surcharge, payment_methods, affiliate_html, signing_secret, "   \
  "notification_key, ecwid"

#define ENDPOINT_COLUMNS                                                  \
  "id, shop_id, url, events, description, enabled, secret, "               \
  "previous_secret, previous_secret_until, created_at, updated_at, dialect"

#define ORDER_COLUMNS                                                       \
  "id, shop_id, token, status, currency, amount, initial_amount, "           \
  "surcharge_amount, merchant_reference, test, capture_manual, "             \
  "max_payment_attempts, failed_attempts, due_at, expires_at, deadline_at, " \
  "event_sequence, created_at, updated_at, details, success_redirect, "     \
  "in_progress_redirect, failure_redirect, return_url, cancel_url, "        \
  "callback_url, notification_url, language, captured_amount, "              \
  "refunded_amount, kind"

#define TRANSACTION_COLUMNS                                                \
  "id, shop_id, order_id, parent_id, type, status, currency, amount, "      \
  "exp_month, exp_year, test, deadline_at, created_at, updated_at, "        \
  "finished_at, code, message, payment_method, brand, last_4, holder, "     \
  "auth_code, bank_code, rrn, ref_id, avs_result, cvc_result, "             \
  "billing_descriptor, three_d_secure, customer_ip, return_url, "           \
  "redirect_url, merchant_reference_2, reason, failed_url, dialect, "        \
  "respond_by"

/* Pages of orders: newest first, (created_at, id) as a stable cursor. Each
 * filter combination has its own statement so each uses its own index. */
#define ORDER_PAGE                                                         \
  " AND created_at >= ?2 AND created_at <= ?3"                              \
  " AND (CAST(?4 AS TEXT) IS NULL OR (created_at, id) < (?5, ?4))"          \
  " ORDER BY created_at DESC, id DESC LIMIT ?6"

const char *const store_sql[STORE_SQL_COUNT] = {
  [STORE_SQL_BEGIN] = "BEGIN IMMEDIATE",
  [STORE_SQL_COMMIT] = "COMMIT",
  [STORE_SQL_ROLLBACK] = "ROLLBACK",
  [STORE_SQL_SAVEPOINT] = "SAVEPOINT job",
  [STORE_SQL_ROLLBACK_TO] = "ROLLBACK TO job",
  [STORE_SQL_RELEASE] = "RELEASE job",
  [STORE_SQL_SHOP_GET] = "SELECT " SHOP_COLUMNS " FROM shops WHERE id = ?1",
  /* the same, inside a write: PostgreSQL adds FOR UPDATE */
  [STORE_SQL_SHOP_LOCK] = "SELECT " SHOP_COLUMNS " FROM shops WHERE id = ?1",
  [STORE_SQL_SHOP_COUNT] = "SELECT count(*) FROM shops",
  [STORE_SQL_SHOP_INSERT] = "INSERT INTO shops (" SHOP_COLUMNS
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                      " ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
  [STORE_SQL_SHOP_UPDATE] =
      "UPDATE shops SET name = ?2, default_currency = ?3, "
      "default_language = ?4, allowed_redirect_hosts = ?5, url = ?6, "
      "country = ?7, contact_email = ?8, contact_phone = ?9, "
      "updated_at = ?11, brands = ?12, surcharge = ?13, payment_methods = ?14, "
      "affiliate_html = ?15, signing_secret = ?16, notification_key = ?17, "
      "ecwid = ?18 WHERE id = ?1",
  [STORE_SQL_ORDER_GET] = "SELECT " ORDER_COLUMNS " FROM orders "
                    "WHERE shop_id = ?1 AND id = ?2",
  /* the same, inside a write: PostgreSQL adds FOR UPDATE */
  [STORE_SQL_ORDER_LOCK] = "SELECT " ORDER_COLUMNS " FROM orders "
                           "WHERE shop_id = ?1 AND id = ?2",
  [STORE_SQL_ORDER_BY_TOKEN] = "SELECT " ORDER_COLUMNS " FROM orders "
                         "WHERE token = ?2 AND "
                         "(CAST(?1 AS TEXT) IS NULL OR shop_id = ?1)",
  [STORE_SQL_ORDER_LIST] = "SELECT " ORDER_COLUMNS " FROM orders WHERE shop_id = ?1"
                     ORDER_PAGE,
  [STORE_SQL_ORDER_LIST_STATUS] = "SELECT " ORDER_COLUMNS " FROM orders "
                            "WHERE shop_id = ?1 AND status = ?7" ORDER_PAGE,
  [STORE_SQL_ORDER_LIST_REFERENCE] =
      "SELECT " ORDER_COLUMNS " FROM orders WHERE shop_id = ?1 AND "
      "merchant_reference = ?8 AND (CAST(?7 AS TEXT) IS NULL OR status = ?7)"
      ORDER_PAGE,
  [STORE_SQL_ORDER_LIST_KIND] =
      "SELECT " ORDER_COLUMNS " FROM orders WHERE shop_id = ?1 AND "
      "kind = ?9 AND (CAST(?7 AS TEXT) IS NULL OR status = ?7)" ORDER_PAGE,
  [STORE_SQL_ORDER_LIST_DUE] = "SELECT " ORDER_COLUMNS " FROM orders "
                         "WHERE deadline_at IS NOT NULL AND deadline_at <= ?1 "
                         "ORDER BY deadline_at LIMIT ?2",
  [STORE_SQL_ORDER_INSERT] = "INSERT INTO orders (" ORDER_COLUMNS ") VALUES (?1, "
                       "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                       "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
                       "?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)",
  [STORE_SQL_ORDER_UPDATE] = "UPDATE orders SET status = ?4, failed_attempts = ?13,"
                       " deadline_at = ?16, event_sequence = ?17, "
                       "updated_at = ?19, details = ?20, "
                       "captured_amount = ?29, refunded_amount = ?30 "
                       "WHERE shop_id = ?2 AND id = ?1",
  [STORE_SQL_EVENT_LIST] = "SELECT id, shop_id, order_id, sequence, type, "
                     "created_at, data FROM events WHERE shop_id = ?1 AND "
                     "order_id = ?2 ORDER BY sequence",
  [STORE_SQL_EVENT_GET] = "SELECT id, shop_id, order_id, sequence, type, "
                         "created_at, data FROM events WHERE shop_id = ?1 AND "
                         "id = ?2",
  [STORE_SQL_EVENT_PAGE] =
      "SELECT id, shop_id, order_id, sequence, type, created_at, data FROM "
      "events WHERE shop_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR "
      "(created_at, id) < (?3, ?2)) ORDER BY created_at DESC, id DESC "
      "LIMIT ?4",
  [STORE_SQL_EVENT_INSERT] = "INSERT INTO events (id, shop_id, order_id, sequence, "
                       "type, created_at, data) VALUES (?1, ?2, ?3, ?4, ?5, "
                       "?6, ?7)",
  [STORE_SQL_IDEMPOTENCY_GET] = "SELECT shop_id, idempotency_key, request_hash, "
                          "status, body, created_at FROM idempotency_keys "
                          "WHERE shop_id = ?1 AND idempotency_key = ?2",
  [STORE_SQL_IDEMPOTENCY_INSERT] = "INSERT INTO idempotency_keys (shop_id, "
                             "idempotency_key, request_hash, status, body, "
                             "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STORE_SQL_IDEMPOTENCY_PRUNE] = "DELETE FROM idempotency_keys "
                            "WHERE created_at < ?1",
  [STORE_SQL_ENDPOINT_GET] = "SELECT " ENDPOINT_COLUMNS " FROM "
                             "webhook_endpoints WHERE shop_id = ?1 AND id = ?2",
  /* the same, inside a write: PostgreSQL adds FOR UPDATE */
  [STORE_SQL_ENDPOINT_LOCK] = "SELECT " ENDPOINT_COLUMNS " FROM "
                              "webhook_endpoints WHERE shop_id = ?1 AND "
                              "id = ?2",
  [STORE_SQL_ENDPOINT_LIST] = "SELECT " ENDPOINT_COLUMNS " FROM "
                              "webhook_endpoints WHERE shop_id = ?1 "
                              "ORDER BY created_at, id",
  [STORE_SQL_ENDPOINT_INSERT] = "INSERT INTO webhook_endpoints ("
                                ENDPOINT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, "
                                "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
  [STORE_SQL_ENDPOINT_UPDATE] =
      "UPDATE webhook_endpoints SET url = ?3, events = ?4, description = ?5, "
      "enabled = ?6, secret = ?7, previous_secret = ?8, "
      "previous_secret_until = ?9, updated_at = ?11 "
      "WHERE shop_id = ?2 AND id = ?1",
  [STORE_SQL_ENDPOINT_DELETE] = "DELETE FROM webhook_endpoints "
                                "WHERE shop_id = ?1 AND id = ?2",
  [STORE_SQL_KEY_BY_HASH] = "SELECT id, shop_id, secret_hash, prefix, live, "
                      "created_at, revoked_at FROM api_keys "
                      "WHERE secret_hash = ?1",
  [STORE_SQL_KEY_INSERT] = "INSERT INTO api_keys (id, shop_id, secret_hash, prefix, "
                     "live, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STORE_SQL_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?2 "
                     "WHERE id = ?1 AND revoked_at IS NULL",
  [STORE_SQL_DELIVERY_INSERT] =
      "INSERT INTO deliveries (id, shop_id, event_id, endpoint_id, status, "
      "attempts, next_attempt_at, lease_until, created_at, updated_at, kind, "
      "url, payload) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, 0, ?5, ?5, ?6, "
      "?7, ?8)",
  /* an order's pending deliveries of a kind that a newer one replaces */
  [STORE_SQL_DELIVERY_SUPERSEDE] =
      "UPDATE deliveries SET status = 'superseded', next_attempt_at = NULL, "
      "updated_at = ?4 WHERE shop_id = ?1 AND kind = ?3 AND "
      "status = 'pending' AND event_id IN "
      "(SELECT id FROM events WHERE shop_id = ?1 AND order_id = ?2)",
  /* due deliveries no live lease holds; PostgreSQL adds SKIP LOCKED */
  [STORE_SQL_DELIVERY_DUE] =
      "SELECT id FROM deliveries WHERE next_attempt_at <= ?1 AND "
      "lease_until < ?1 ORDER BY next_attempt_at LIMIT ?2",
  [STORE_SQL_DELIVERY_LEASE] =
      "UPDATE deliveries SET lease_until = ?2 WHERE id = ?1",
  [STORE_SQL_DELIVERY_WORK] =
      /* a webhook goes to its endpoint (signed with its secret); a callback
       * or notification to the URL it was queued with (signed with the
       * shop's signing secret, if it has one) */
      "SELECT d.id, d.shop_id, d.event_id, d.endpoint_id, d.attempts, "
      "e.type, e.created_at, e.data, "
      "CASE WHEN d.kind = 'webhook' THEN w.url ELSE d.url END, "
      "CASE WHEN d.kind = 'webhook' THEN w.secret ELSE s.signing_secret END, "
      "w.previous_secret, w.previous_secret_until, "
      "CASE WHEN d.kind = 'webhook' THEN w.enabled ELSE 1 END, e.sequence, "
      "o.test, d.kind, w.dialect, s.notification_key, d.payload "
      "FROM deliveries d JOIN events e ON e.id = d.event_id "
      "JOIN orders o ON o.id = e.order_id JOIN shops s ON s.id = d.shop_id "
      "LEFT JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.id = ?1",
  [STORE_SQL_DELIVERY_UPDATE] =
      "UPDATE deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4,"
      " lease_until = 0, last_status = ?5, last_error = ?6, updated_at = ?7 "
      "WHERE id = ?1 AND status <> 'superseded'",
  [STORE_SQL_ATTEMPT_INSERT] =
      "INSERT INTO delivery_attempts (id, delivery_id, attempted_at, "
      "status_code, error, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STORE_SQL_DELIVERY_LIST] =
      "SELECT id, endpoint_id, status, attempts, next_attempt_at, "
      "last_status, last_error, created_at, updated_at, kind, url, payload "
      "FROM deliveries "
      "WHERE shop_id = ?1 AND event_id = ?2 ORDER BY created_at, id",
  [STORE_SQL_NODE_HEARTBEAT] = "INSERT INTO nodes (id, heartbeat_at) "
                               "VALUES (?1, ?2) ON CONFLICT (id) "
                               "DO UPDATE SET heartbeat_at = ?2",
  [STORE_SQL_NODE_COUNT] = "SELECT count(*) FROM nodes "
                           "WHERE heartbeat_at >= ?1",
  [STORE_SQL_NODE_PRUNE] = "DELETE FROM nodes WHERE heartbeat_at < ?1",
  [STORE_SQL_TRANSACTION_GET] = "SELECT " TRANSACTION_COLUMNS " FROM "
                                "transactions WHERE shop_id = ?1 AND id = ?2",
  /* the same, inside a write: PostgreSQL adds FOR UPDATE */
  [STORE_SQL_TRANSACTION_LOCK] = "SELECT " TRANSACTION_COLUMNS " FROM "
                                 "transactions WHERE shop_id = ?1 AND "
                                 "id = ?2",
  [STORE_SQL_TRANSACTION_LIST] = "SELECT " TRANSACTION_COLUMNS " FROM "
                                 "transactions WHERE shop_id = ?1 AND "
                                 "order_id = ?2 ORDER BY created_at, id",
  [STORE_SQL_TRANSACTION_DUE] = "SELECT " TRANSACTION_COLUMNS " FROM "
                                "transactions WHERE deadline_at IS NOT NULL "
                                "AND deadline_at <= ?1 ORDER BY deadline_at "
                                "LIMIT ?2",
  [STORE_SQL_TRANSACTION_INSERT] =
      "INSERT INTO transactions (" TRANSACTION_COLUMNS ") VALUES (?1, ?2, "
      "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
      "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, "
      "?32, ?33, ?34, ?35, ?36, ?37)",
  [STORE_SQL_TRANSACTION_UPDATE] =
      "UPDATE transactions SET status = ?6, amount = ?8, deadline_at = ?12, "
      "updated_at = ?14, finished_at = ?15, code = ?16, message = ?17, "
      "auth_code = ?22, bank_code = ?23, rrn = ?24, ref_id = ?25, "
      "avs_result = ?26, cvc_result = ?27, billing_descriptor = ?28, "
      "three_d_secure = ?29, redirect_url = ?32, merchant_reference_2 = ?33, "
      "respond_by = ?37 "
      "WHERE shop_id = ?2 AND id = ?1",
  [STORE_SQL_MIGRATION_VERSION] =
      "SELECT coalesce(max(version), 0) FROM schema_migrations",
  [STORE_SQL_MIGRATION_RECORD] =
      "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
};

/* Numbered migrations, applied in order and recorded in schema_migrations.
 * Portable SQL: both backends apply the same list. */
const char *const store_migrations[] = {
  /* 1: shops and their API keys */
  "CREATE TABLE shops ("
  " id TEXT PRIMARY KEY,"
  " name TEXT NOT NULL,"
  " default_currency TEXT,"
  " default_language TEXT,"
  " allowed_redirect_hosts TEXT NOT NULL DEFAULT '[]',"
  " url TEXT, country TEXT, contact_email TEXT, contact_phone TEXT,"
  " created_at BIGINT NOT NULL,"
  " updated_at BIGINT NOT NULL);"
  "CREATE TABLE api_keys ("
  " id TEXT PRIMARY KEY,"
  " shop_id TEXT NOT NULL REFERENCES shops(id),"
  " secret_hash TEXT NOT NULL UNIQUE,"
  " prefix TEXT NOT NULL,"
  " live INTEGER NOT NULL,"
  " created_at BIGINT NOT NULL,"
  " revoked_at BIGINT);"
  "CREATE INDEX api_keys_shop ON api_keys (shop_id);",
  /* 2: orders, their events, idempotency keys, shop checkout settings */
  "ALTER TABLE shops ADD COLUMN brands TEXT NOT NULL"
  " DEFAULT '[\"visa\",\"master\",\"amex\"]';"
  "ALTER TABLE shops ADD COLUMN surcharge TEXT;"
  "CREATE TABLE orders ("
  " id TEXT PRIMARY KEY,"
  " shop_id TEXT NOT NULL REFERENCES shops(id),"
  " token TEXT NOT NULL UNIQUE,"
  " status TEXT NOT NULL,"
  " currency TEXT NOT NULL,"
  " amount BIGINT NOT NULL,"
  " initial_amount BIGINT NOT NULL,"
  " surcharge_amount BIGINT NOT NULL,"
  " merchant_reference TEXT,"
  " test INTEGER NOT NULL,"
  " capture_manual INTEGER NOT NULL,"
  " max_payment_attempts INTEGER NOT NULL,"
  " failed_attempts INTEGER NOT NULL,"
  " due_at BIGINT, expires_at BIGINT, deadline_at BIGINT,"
  " event_sequence BIGINT NOT NULL,"
  " created_at BIGINT NOT NULL,"
  " updated_at BIGINT NOT NULL,"
  " details TEXT NOT NULL,"
  " success_redirect TEXT, in_progress_redirect TEXT, failure_redirect TEXT,"
  " return_url TEXT, cancel_url TEXT, callback_url TEXT,"
  " notification_url TEXT, language TEXT NOT NULL);"
  "CREATE INDEX orders_shop_created ON orders (shop_id, created_at, id);"
  "CREATE INDEX orders_shop_status ON orders (shop_id, status, created_at, id);"
  "CREATE INDEX orders_shop_reference ON orders"
  " (shop_id, merchant_reference, created_at, id);"
  "CREATE INDEX orders_deadline ON orders (deadline_at)"
  " WHERE deadline_at IS NOT NULL;"
  "CREATE TABLE events ("
  " id TEXT PRIMARY KEY,"
  " shop_id TEXT NOT NULL,"
  " order_id TEXT NOT NULL REFERENCES orders(id),"
  " sequence BIGINT NOT NULL,"
  " type TEXT NOT NULL,"
  " created_at BIGINT NOT NULL,"
  " data TEXT NOT NULL,"
  " UNIQUE (order_id, sequence));"
  "CREATE INDEX events_shop_created ON events (shop_id, created_at, id);"
  "CREATE TABLE idempotency_keys ("
  " shop_id TEXT NOT NULL,"
  " idempotency_key TEXT NOT NULL,"
  " request_hash TEXT NOT NULL,"
  " status INTEGER NOT NULL,"
  " body TEXT NOT NULL,"
  " created_at BIGINT NOT NULL,"
  " PRIMARY KEY (shop_id, idempotency_key));"
  "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);",
  /* 3: the serving nodes, for limits shared across them */
  "CREATE TABLE nodes ("
  " id TEXT PRIMARY KEY,"
  " heartbeat_at BIGINT NOT NULL);",
  /* 4: webhook endpoints */
  "CREATE TABLE webhook_endpoints ("
  " id TEXT PRIMARY KEY,"
  " shop_id TEXT NOT NULL REFERENCES shops(id),"
  " url TEXT NOT NULL,"
  " events TEXT NOT NULL,"
  " description TEXT,"
  " enabled INTEGER NOT NULL,"
  " secret TEXT NOT NULL,"
  " previous_secret TEXT,"
  " previous_secret_until BIGINT,"
  " created_at BIGINT NOT NULL,"
  " updated_at BIGINT NOT NULL);"
  "CREATE INDEX webhook_endpoints_shop ON webhook_endpoints"
  " (shop_id, created_at, id);",
  /* 5: the outbox: one delivery per event and endpoint, and its attempts */
  "CREATE TABLE deliveries ("
  " id TEXT PRIMARY KEY,"
  " shop_id TEXT NOT NULL,"
  " event_id TEXT NOT NULL REFERENCES events(id),"
  " endpoint_id TEXT NOT NULL,"
  " status TEXT NOT NULL,"
  " attempts INTEGER NOT NULL,"
  " next_attempt_at BIGINT,"
  " lease_until BIGINT NOT NULL,"
  " last_status INTEGER,"
  " last_error TEXT,"
  " created_at BIGINT NOT NULL,"
  " updated_at BIGINT NOT NULL);"
  "CREATE INDEX deliveries_due ON deliveries (next_attempt_at)"
  " WHERE next_attempt_at IS NOT NULL;"
  "CREATE INDEX deliveries_event ON deliveries (event_id, created_at);"
  "CREATE TABLE delivery_attempts ("
  " id TEXT PRIMARY KEY,"
  " delivery_id TEXT NOT NULL,"
  " attempted_at BIGINT NOT NULL,"
  " status_code INTEGER,"
  " error TEXT,"
  " duration_ms INTEGER NOT NULL);"
  "CREATE INDEX delivery_attempts_delivery ON delivery_attempts"
  " (delivery_id, attempted_at);",
  /* 6: payment attempts and operations; the shop's methods and receipt */
  "ALTER TABLE shops ADD COLUMN payment_methods TEXT NOT NULL DEFAULT"
  " '[\"card\",\"bank_transfer\",\"wallet\",\"invoice\"]';"
  "ALTER TABLE shops ADD COLUMN affiliate_html TEXT;"
  "CREATE TABLE transactions ("
  " id TEXT PRIMARY KEY,"
  " shop_id TEXT NOT NULL,"
  " order_id TEXT NOT NULL REFERENCES orders(id),"
  " parent_id TEXT,"
  " type TEXT NOT NULL,"
  " status TEXT NOT NULL,"
  " currency TEXT NOT NULL,"
  " amount BIGINT NOT NULL,"
  " exp_month INTEGER, exp_year INTEGER,"
  " test INTEGER NOT NULL,"
  " deadline_at BIGINT,"
  " created_at BIGINT NOT NULL,"
  " updated_at BIGINT NOT NULL,"
  " finished_at BIGINT,"
  " code TEXT, message TEXT, payment_method TEXT, brand TEXT, last_4 TEXT,"
  " holder TEXT, auth_code TEXT, bank_code TEXT, rrn TEXT, ref_id TEXT,"
  " avs_result TEXT, cvc_result TEXT, billing_descriptor TEXT,"
  " three_d_secure TEXT, customer_ip TEXT, return_url TEXT,"
  " redirect_url TEXT, merchant_reference_2 TEXT);"
  "CREATE INDEX transactions_order ON transactions (order_id, created_at, id);"
  "CREATE INDEX transactions_deadline ON transactions (deadline_at)"
  " WHERE deadline_at IS NOT NULL;",
  /* 7: deliveries to an order's callback_url and notification_url, signed
   * with the shop's signing secret */
  "ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'webhook';"
  "ALTER TABLE deliveries ADD COLUMN url TEXT;"
  "ALTER TABLE shops ADD COLUMN signing_secret TEXT;",
  /* 8: what was captured and refunded of an order, kept exact; why */
  "ALTER TABLE orders ADD COLUMN captured_amount BIGINT NOT NULL DEFAULT 0;"
  "ALTER TABLE orders ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0;"
  "ALTER TABLE transactions ADD COLUMN reason TEXT;",
  /* 9: disputes: when the merchant must answer by */
  "ALTER TABLE transactions ADD COLUMN respond_by BIGINT;",
  /* 10: payout orders beside payment orders */
  ("ALTER TABLE orders ADD COLUMN kind TEXT NOT NULL DEFAULT 'payment';"
   "CREATE INDEX orders_shop_kind ON orders (shop_id, kind, created_at, id);"),
  /* 11: an attempt's page for failures, and the names it was asked in */
  ("ALTER TABLE transactions ADD COLUMN failed_url TEXT;"
   "ALTER TABLE transactions ADD COLUMN dialect TEXT;"),
  /* 12: webhook endpoints made through a seed provider's API get its
   * shape of the payload */
  "ALTER TABLE webhook_endpoints ADD COLUMN dialect TEXT;",
  /* 13: the RSA key that signs seed 003's notifications */
  "ALTER TABLE shops ADD COLUMN notification_key TEXT;",
  /* 14: the shop as an Ecwid payment app (seed 000); deliveries that are
   * requests of their own (the store's order update) */
  ("ALTER TABLE shops ADD COLUMN ecwid TEXT;"
   "ALTER TABLE deliveries ADD COLUMN payload TEXT;"),
};

const int store_migration_count =
    (int)(sizeof(store_migrations) / sizeof(store_migrations[0]));
