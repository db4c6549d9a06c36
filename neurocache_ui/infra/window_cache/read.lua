-- ARGV: limit, ttl, known epoch ('' for none).
-- Returns {'', epoch} without a complete window; {kind, epoch} when the epoch is
-- still the known one (nothing to send); else {kind, epoch, json, count}, the
-- newest `limit` entries joined into one JSON array the client parses once.
local epoch = redis.call('GET', KEYS[2]) or ''
local kind = window_kind()
if not kind then return {'', epoch} end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' and ARGV[3] == epoch then return {kind, epoch} end
local items = redis.call('ZRANGE', KEYS[1], -tonumber(ARGV[1]), -1)
if string.byte(items[1], 1) == 35 then table.remove(items, 1) end -- the marker
return {kind, epoch, '[' .. table.concat(items, ',') .. ']', #items}
