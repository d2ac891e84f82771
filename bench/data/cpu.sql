-- bench/cpu.sh's sqlite3 workload: CPU-bound, deterministic, no file I/O
-- (run on an in-memory database). Rows come from a recursive CTE with a
-- linear congruential generator, so every run inserts the same data.
-- Temporary b-trees (the index build, GROUP BY, DISTINCT) stay in memory
-- too, instead of going to a file under /tmp.
pragma temp_store = memory;
create table item(id integer primary key, grp integer, name text, price real);
insert into item(grp, name, price)
with recursive gen(i, x) as (
	select 1, 12345
	union all
	select i + 1, (x * 1103515245 + 12345) % 2147483648 from gen where i < 100000
)
select x % 97, 'item' || (x % 10007), (x % 100000) / 100.0 from gen;
create index item_grp on item(grp, price);
create table summary as
	select grp, count(*) as n, sum(price) as total, min(name) as first
	from item group by grp;
update item set price = price * 1.1 where grp % 3 = 0;
delete from item where id % 7 = 0;
select count(*), round(sum(price), 2), count(distinct name) from item;
select grp, n, round(total, 2), first from summary order by total desc limit 3;
select count(*) from item a join summary s on a.grp = s.grp where a.price > s.total / s.n;
