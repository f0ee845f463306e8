{#- Python datetime arithmetic at compile time. -#}
{%- set dt = modules.datetime -%}
{%- set start = dt.datetime(2024, 3, 1, 12, 30) -%}
{%- set three_days_back = start - dt.timedelta(days=3) -%}
{%- set span = dt.date(2024, 12, 25) - dt.date(2024, 1, 1) -%}
{%- set recent = dt.datetime.now() - dt.timedelta(days=3) -%}
select
    '{{ three_days_back }}' as three_days_back,
    '{{ three_days_back.isoformat() }}' as iso,
    '{{ (start + dt.timedelta(hours=36)).strftime("%Y-%m-%d %H:%M") }}' as plus_36h,
    '{{ start.date() }}' as start_date,
    '{{ start.replace(day=1, hour=0, minute=0) }}' as month_start,
    {{ span.days }} as days_to_christmas,
    {{ (start - three_days_back).total_seconds() | int }} as seconds_back,
    {{ (recent < dt.datetime.now()) | lower }} as recent_is_past,
    {{ (dt.date(2024, 1, 1) < dt.date(2024, 1, 2) and start == dt.datetime(2024, 3, 1, 12, 30)) | lower }} as ordered,
    '{{ [dt.date(2024, 5, 1), dt.date(2023, 5, 1), dt.date(2024, 1, 1)] | sort | join(",") }}' as sorted_dates
