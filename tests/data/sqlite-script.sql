create table t(id integer primary key, name text, v real);
insert into t(name, v) values ('a', 1.5), ('b', 2.5), ('c', 3.0);
insert into t(name, v) select name || 'x', v * 2 from t;
select count(*), sum(v), group_concat(name, ',') from t;
