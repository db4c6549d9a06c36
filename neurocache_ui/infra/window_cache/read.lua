-- ARGV: ttl. Returns {kind, epoch}: kind '' without a complete window. The
-- entries are not returned from here: the client reads them with a plain ZRANGE
-- in the same MULTI, as moving long strings through Lua costs more than the rest.
local epoch = redis.call('GET', KEYS[2]) or ''
local kind = window_kind()
if not kind then return {'', epoch} end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {kind, epoch}
