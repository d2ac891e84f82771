-- bench/cpu.sh's lua5.4 workload: CPU-bound and deterministic (a linear
-- congruential generator instead of math.random): table inserts and
-- sorting, string building and pattern matching, coroutines.
local seed = 12345
local function rand(n)
	seed = (seed * 1103515245 + 12345) % 2147483648
	return seed % n
end

-- Tables: fill, sort, sum.
local t = {}
for i = 1, 200000 do t[i] = rand(1000000) end
table.sort(t)
local sum = 0
for i = 1, #t, 7 do sum = sum + t[i] end

-- Strings: build keys, count them in a hash table, match a pattern.
local counts, words = {}, {}
for i = 1, 100000 do
	local key = string.format("k%04d-%s", rand(5000), string.rep("x", i % 5))
	counts[key] = (counts[key] or 0) + 1
	words[#words + 1] = key
end
local text = table.concat(words, " ")
local matched = 0
for _ in text:gmatch("k%d%d%d7%-xx ") do matched = matched + 1 end
local distinct = 0
for _ in pairs(counts) do distinct = distinct + 1 end

-- Coroutines: a producer/consumer pipeline.
local producer = coroutine.wrap(function()
	for i = 1, 100000 do coroutine.yield(i % 13) end
	coroutine.yield(nil)
end)
local acc = 0
for v in producer do acc = acc + v end

print(#t, sum, distinct, matched, #text, acc)
