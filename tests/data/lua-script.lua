local t = {}
for i = 1, 10 do t[i] = i * i end
local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
print(table.concat(t, ","), co(), co(), co(), string.upper("husk"), #t)
