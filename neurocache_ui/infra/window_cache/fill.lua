-- ARGV: ttl, token, kind, replace ('1'/'0'), then score, member pairs.
-- Replaces the key with the marker plus every entry in one step, so readers see
-- the old window or the whole new one. Returns 0 the channel changed since
-- `token`, 2 a complete window is already there (unless replace), 1 filled.
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return 0 end
if ARGV[4] ~= '1' and window_kind() then return 2 end
redis.call('DEL', KEYS[1])
redis.call('ZADD', KEYS[1], '-inf', ARGV[3])
local i = 5
while i <= #ARGV do
  local j = math.min(i + 999, #ARGV)
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
bump(ARGV[1])
return 1
