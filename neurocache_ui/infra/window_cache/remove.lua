-- ARGV: ttl, score, id prefix.
-- Returns 1 removed, 0 nothing to do, 4 window dropped: the entry belongs in
-- the window but is not there, so a write is in flight; the next read refills.
bump(ARGV[1])
local kind = window_kind()
if not kind then return 0 end
local removed = 0
for _, m in ipairs(entries_of(ARGV[2], ARGV[3])) do removed = removed + redis.call('ZREM', KEYS[1], m) end
if removed > 0 then return 1 end
if kind == '#all' or against_oldest(tonumber(ARGV[2]), ARGV[3]) == 1 then
  redis.call('DEL', KEYS[1])
  return 4
end
return 0
