{# the ref() is inside a macro: only rendering the model at parse time finds it #}
{% macro upstream_of(name) %}{{ return(ref(name)) }}{% endmacro %}
