{#- modules.itertools building SQL: every (size, color) pair, and the pairs of three sizes. -#}
{%- set it = modules.itertools -%}
{% for size, color in it.product(['s', 'm'], ['red', 'blue']) %}
select 'product' as kind, '{{ size }}-{{ color }}' as item
union all
{% endfor %}
{% for a, b in it.combinations(['s', 'm', 'l'], 2) %}
select 'combination', '{{ a }}{{ b }}'
union all
{% endfor %}
select 'chain', '{{ it.chain([1, 2], [3]) | join("") }}'
