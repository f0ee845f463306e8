{#- dbt-date's default time zone, from the system's tz database -#}
{%- set la = modules.pytz.timezone('America/Los_Angeles') -%}
{%- set summer = la.localize(modules.datetime.datetime(2024, 7, 1, 12, 30)) -%}
{%- set winter = la.localize(modules.datetime.datetime(2024, 1, 15, 8)) -%}
select
  '{{ summer }}' as summer,
  '{{ winter.strftime("%Y-%m-%d %H:%M %Z %z") }}' as winter,
  '{{ summer.astimezone(modules.pytz.timezone("Asia/Kolkata")).isoformat() }}' as in_kolkata,
  '{{ summer - modules.pytz.utc.localize(modules.datetime.datetime(2024, 7, 1, 12, 30)) }}' as behind_utc,
  '{{ run_started_at.tzinfo }}' as run_started_zone
