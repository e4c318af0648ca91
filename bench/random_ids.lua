-- Random product ids over the catalogue; PATH_TEMPLATE has %d for the id.
local template = os.getenv("PATH_TEMPLATE")
local max = tonumber(os.getenv("MAX_ID") or "10000")
math.randomseed(42)
request = function()
  return wrk.format("GET", string.format(template, math.random(1, max)))
end
