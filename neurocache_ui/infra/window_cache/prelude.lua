-- Put before every window script. KEYS[1] is the channel's window (a sorted set),
-- KEYS[2] its epoch: a counter bumped by every change, so a fill whose database
-- read raced a write is refused, and a reader's copy is known to be current.

-- '#all' or '#tail' when the window is complete (its marker at score -inf), else false.
local function window_kind()
  local kind = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if kind == '#all' or kind == '#tail' then return kind end
  return false
end

-- A missing epoch restarts from the Redis clock in microseconds, so a channel
-- never sees an epoch value twice.
local function bump(ttl)
  if redis.call('EXISTS', KEYS[2]) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', KEYS[2], t[1] .. string.format('%06d', tonumber(t[2])))
  end
  redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ttl)
end

-- The members of one message: its score, then its id prefix.
local function entries_of(score, prefix)
  local found = {}
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], score, score)) do
    if string.sub(m, 1, string.len(prefix)) == prefix then found[#found + 1] = m end
  end
  return found
end

-- Where (score, id prefix) sorts against the window's oldest entry: -1 before,
-- 0 the same, 1 after; nil when the window has no entry.
local function against_oldest(score, prefix)
  local oldest = redis.call('ZRANGE', KEYS[1], 1, 1, 'WITHSCORES')
  if #oldest == 0 then return nil end
  local s = tonumber(oldest[2])
  if score ~= s then return score < s and -1 or 1 end
  local other = string.sub(oldest[1], 1, string.len(prefix))
  if prefix == other then return 0 end
  return prefix < other and -1 or 1
end

