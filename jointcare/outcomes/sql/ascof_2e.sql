-- ASCOF 2E: adults with long-term support in the year, by accommodation status (NHS England principles).
cohort AS (
  SELECT s.la_code, s.person_id, s.start_date, s.accommodation
  FROM lts s
  LEFT JOIN people p ON p.la_code = s.la_code AND p.person_id = s.person_id
  WHERE s.service_type IN ('Long term support: Nursing care', 'Long term support: Residential care',
                           'Long term support: Community')
    AND s.start_date <= DATE '{end}' AND s.end_date >= DATE '{start}'
    AND (p.death_date IS NULL OR p.death_date >= DATE '{start}')
    AND (p.birth_date IS NULL OR FLOOR(DATE_DIFF('day', p.birth_date, DATE '{end}') / 365.25) >= 18)
),
by_start AS (
  -- per person and start date, the known statuses recorded: one status when the least equals the greatest
  SELECT la_code, person_id, start_date,
         MIN(CASE WHEN accommodation <> 'Unknown' THEN accommodation END) AS least_status,
         MAX(CASE WHEN accommodation <> 'Unknown' THEN accommodation END) AS status
  FROM cohort
  GROUP BY la_code, person_id, start_date
),
statuses AS (
  -- each person's latest start (one row per start date above, so taking its row is exact; no argument taken is
  -- NULL, as engines differ in skipping them)
  SELECT la_code, person_id, MAX(start_date) AS latest_start,
         ARG_MAX(CASE WHEN least_status = status THEN 1 ELSE 0 END, start_date) AS known,
         ARG_MAX(COALESCE(status, 'Unknown'), start_date) AS status
  FROM by_start
  GROUP BY la_code, person_id
)
SELECT la_code, person_id, latest_start AS start_date, CAST(NULL AS DATE) AS end_date,
       CASE WHEN known = 1 THEN status ELSE 'Unknown' END AS outcome,
       'all' AS grp,
       CASE WHEN known = 1 AND status IN ({settled}) THEN 1 ELSE 0 END AS in_numerator,
       1 AS in_denominator
FROM statuses
