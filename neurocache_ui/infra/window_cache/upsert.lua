-- ARGV: ttl, score, member, id prefix, cap, replace ('1'/'0').
-- Writes only into a complete window and keeps it capped (the marker at rank 0
-- stays). Returns 0 no complete window, 1 written, 2 already there, 3 older
-- than a partial window (that message belongs to the database pages).
bump(ARGV[1])
local kind = window_kind()
if not kind then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local place = against_oldest(tonumber(ARGV[2]), ARGV[4])
for _, m in ipairs(entries_of(ARGV[2], ARGV[4])) do
  if ARGV[6] ~= '1' then return 2 end
  redis.call('ZREM', KEYS[1], m)
end
if kind == '#tail' and place == -1 then return 3 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local size = redis.call('ZCARD', KEYS[1]) - 1
local cap = tonumber(ARGV[5])
if size > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 1, size - cap)
  if kind == '#all' then
    redis.call('ZREM', KEYS[1], '#all')
    redis.call('ZADD', KEYS[1], '-inf', '#tail')
  end
end
return 1
