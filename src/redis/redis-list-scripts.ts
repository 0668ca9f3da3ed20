/** The Lua scripts of reliable list mode (src/redis/redis-list-port.ts); each runs atomically on one node. */

/**
 * Atomically: for each owner registered on the list whose heartbeat key is gone, except the caller itself
 * (ARGV[5], '' for none: a running listener is alive even when a stall let its key expire), move its
 * processing list back to the list (LMOVE from the processing list's head, so the oldest element ends nearest
 * `to`), then forget the owner and its receipts. KEYS[1] owners set, KEYS[2] the list; ARGV: alive prefix,
 * processing prefix, LEFT|RIGHT, receipts prefix, caller.
 */
export const RECOVER_SCRIPT = `
local moved = 0
for _, owner in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if owner ~= ARGV[5] and redis.call('EXISTS', ARGV[1] .. owner) == 0 then
    local processing = ARGV[2] .. owner
    while redis.call('LMOVE', processing, KEYS[2], 'LEFT', ARGV[3]) do moved = moved + 1 end
    redis.call('SREM', KEYS[1], owner)
    redis.call('DEL', ARGV[4] .. owner)
  end
end
return moved`;

/**
 * Atomically: register the owner on the list, then LMOVE up to ARGV[1] elements from the list to the
 * owner's processing list (its head), stopping when the list is empty. One command for a batch (a MULTI of
 * LMOVEs costs node-redis a command object each). KEYS[1] list, KEYS[2] processing list, KEYS[3] owners
 * set; ARGV: count, LEFT|RIGHT, owner. Returns the moved elements in order.
 */
export const MOVE_SCRIPT = `
redis.call('SADD', KEYS[3], ARGV[3])
local moved = {}
for i = 1, tonumber(ARGV[1]) do
  local element = redis.call('LMOVE', KEYS[1], KEYS[2], ARGV[2], 'LEFT')
  if not element then break end
  moved[i] = element
end
return moved`;

/**
 * Removes one occurrence of each element from the processing list KEYS[1], searching from its tail (it
 * grows at its head, so the oldest, handled first, are nearest the tail). One command per batch. With a
 * receipt: drops the ARGV[2] receipts that follow from the set KEYS[2] and adds ARGV[1] to it.
 * ARGV: receipt id ('' for none), number of receipts to drop, those receipts, then the elements.
 */
export const REMOVE_SCRIPT = `
local forget = tonumber(ARGV[2])
for i = 3, forget + 2 do redis.call('SREM', KEYS[2], ARGV[i]) end
for i = forget + 3, #ARGV do redis.call('LREM', KEYS[1], -1, ARGV[i]) end
if ARGV[1] ~= '' then redis.call('SADD', KEYS[2], ARGV[1]) end
return #ARGV - forget - 2`;

/**
 * Atomically (see ListPort.audit): KEYS[1] processing list, KEYS[2] the list, KEYS[3] receipts set. ARGV:
 * LEFT|RIGHT, the number of held values, those values, then per removal of unknown outcome: its receipt id,
 * its number of values, those values. The processing list is rebuilt with the held values (oldest first)
 * and the others go to the list, newest first, so that the oldest ends nearest the end it is read from.
 */
export const AUDIT_SCRIPT = `
local i = 3
local keep = {}
for _ = 1, tonumber(ARGV[2]) do
  keep[ARGV[i]] = (keep[ARGV[i]] or 0) + 1
  i = i + 1
end
while i <= #ARGV do
  local done = redis.call('SISMEMBER', KEYS[3], ARGV[i]) == 1
  local count = tonumber(ARGV[i + 1])
  if not done then
    for j = i + 2, i + count + 1 do redis.call('LREM', KEYS[1], -1, ARGV[j]) end
  end
  i = i + count + 2
end
redis.call('DEL', KEYS[3])
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local kept, found = {}, {}
for j = #items, 1, -1 do
  local v = items[j]
  if (keep[v] or 0) > 0 then
    keep[v] = keep[v] - 1
    kept[#kept + 1] = v
  else
    found[#found + 1] = v
  end
end
if #found == 0 then return 0 end
redis.call('DEL', KEYS[1])
for _, v in ipairs(kept) do redis.call('LPUSH', KEYS[1], v) end
local push = ARGV[1] == 'LEFT' and 'LPUSH' or 'RPUSH'
for j = #found, 1, -1 do redis.call(push, KEYS[2], found[j]) end
return #found`;
