-- wrk script: resolve latest of the benchmark definition in westeurope with a real Keycloak token.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"imageReference":{"id":"' .. os.getenv("DEF") .. '"},"vmSize":{"vCPUs":4,"memoryGB":16}}'
