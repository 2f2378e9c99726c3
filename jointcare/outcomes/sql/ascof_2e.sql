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
latest AS (
  SELECT la_code, person_id, MAX(start_date) AS latest_start FROM cohort GROUP BY la_code, person_id
),
statuses AS (
  SELECT l.la_code, l.person_id, l.latest_start,
         COUNT(DISTINCT CASE WHEN c.accommodation <> 'Unknown' THEN c.accommodation END) AS known,
         MAX(CASE WHEN c.accommodation <> 'Unknown' THEN c.accommodation END) AS status
  FROM latest l
  JOIN cohort c ON c.la_code = l.la_code AND c.person_id = l.person_id AND c.start_date = l.latest_start
  GROUP BY l.la_code, l.person_id, l.latest_start
)
SELECT la_code, person_id, latest_start AS start_date, CAST(NULL AS DATE) AS end_date,
       CASE WHEN known = 1 THEN status ELSE 'Unknown' END AS outcome,
       'all' AS grp,
       CASE WHEN known = 1 AND status IN ({settled}) THEN 1 ELSE 0 END AS in_numerator,
       1 AS in_denominator
FROM statuses
