-- wrk script: GET the URL given on the command line with the key in OBOL_KEY.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OBOL_KEY")
