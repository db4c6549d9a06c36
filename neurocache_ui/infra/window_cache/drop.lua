-- ARGV: ttl. Forgets the window; the next read refills it.
bump(ARGV[1])
return redis.call('DEL', KEYS[1])
