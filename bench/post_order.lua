-- wrk script: POST /v1/orders with the key in OBOL_KEY.
wrk.method = "POST"
wrk.body = '{"amount":1500,"currency":"EUR","merchant_reference":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OBOL_KEY")
