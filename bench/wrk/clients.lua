-- wrk: the client list page, first 50 clients, for a random seeded partner per request.
-- Tokens come from the file named by BENCH_TOKENS (one a line, written by bench-seed).
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end

local body = '{"query":"{ clients(first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id companyId name email status invitedVia invitedAt lastInviteSentAt trialEndsAt availableActions partnerAccess } } } }"}'

request = function()
  local t = tokens[math.random(#tokens)]
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. t,
  }, body)
end

local bad = 0
response = function(status, headers, resp)
  if status ~= 200 or string.find(resp, '"errors"', 1, true) then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  -- `bad` is per thread in wrk; report what this thread saw via stderr-free stdout lines.
  io.write(string.format("errored responses (last thread): %d\n", bad))
end
