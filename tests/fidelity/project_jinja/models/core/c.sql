{{ config(enabled=(target.name == 'prod')) }}
select 2 as id
