-- ARGV: ttl, cutoff score (exclusive). '(-inf' keeps the marker at -inf.
bump(ARGV[1])
return redis.call('ZREMRANGEBYSCORE', KEYS[1], '(-inf', '(' .. ARGV[2])
