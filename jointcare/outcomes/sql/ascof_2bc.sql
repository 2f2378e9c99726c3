-- ASCOF 2B (18 to 64) and 2C (65 and over): new long-term admissions to residential and nursing care in the year.
-- Components are matched whatever their case ("Long term nursing care", as jointcare records it, counts).
build AS (
  SELECT v.la_code, v.person_id, v.start_date, v.end_date, v.event_outcome,
         FLOOR(DATE_DIFF('day', p.birth_date, v.start_date) / 365.25) AS age
  FROM lts v
  JOIN people p ON p.la_code = v.la_code AND p.person_id = v.person_id
  WHERE v.service_type IN ('Long term support: Residential care', 'Long term support: Nursing care')
    AND p.birth_date IS NOT NULL
    AND (p.death_date IS NULL OR p.death_date >= DATE '{start}')
    AND (v.service_component IS NULL
         OR ((LOWER(v.service_component) LIKE '%residential%' OR LOWER(v.service_component) LIKE '%nursing%')
             AND LOWER(v.service_component) NOT LIKE '%short%'))
),
admissions AS (
  SELECT DISTINCT la_code, person_id, start_date, age
  FROM build
  WHERE start_date BETWEEN DATE '{start}' AND DATE '{end}'
    AND event_outcome <> 'NFA: Self-funded client or under 12wk disregard'
),
continuing AS (
  SELECT DISTINCT a.la_code, a.person_id, a.start_date
  FROM admissions a
  JOIN build b ON b.la_code = a.la_code AND b.person_id = a.person_id
  WHERE b.start_date < a.start_date AND DATE_DIFF('day', b.end_date, a.start_date) < 365
),
new_admissions AS (
  SELECT a.*
  FROM admissions a
  LEFT JOIN continuing c ON c.la_code = a.la_code AND c.person_id = a.person_id AND c.start_date = a.start_date
  WHERE c.person_id IS NULL AND a.age >= 18
)
SELECT la_code, person_id, MIN(start_date) AS start_date, CAST(NULL AS DATE) AS end_date,
       'New admission' AS outcome,
       MIN(CASE WHEN age <= 64 THEN '18 to 64' ELSE '65 and above' END) AS grp,
       1 AS in_numerator, 0 AS in_denominator
FROM new_admissions
GROUP BY la_code, person_id
