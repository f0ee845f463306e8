{% macro _quoted(x) %}'{{ x }}'{% endmacro %}
{% macro greet(name) %}{{ return(adapter.dispatch('greet', 'helpers')(name)) }}{% endmacro %}
{% macro default__greet(name) %}'hello ' || {{ helpers._quoted(name) }}{% endmacro %}
{% macro shout() %}{{ return(adapter.dispatch('shout', 'helpers')()) }}{% endmacro %}
{% macro default__shout() %}'quiet'{% endmacro %}
