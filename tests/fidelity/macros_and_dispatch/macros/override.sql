{% macro default__shout() %}'LOUD'{% endmacro %}
{% macro _private() %}'root private'{% endmacro %}
