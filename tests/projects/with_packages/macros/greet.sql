{#- Wins over the package's default__greet: the dispatch search order lists app first. -#}
{% macro default__greet() -%}'hello from app'{%- endmacro %}
