-- include: discharges, reablement_discharges
-- ASCOF 2D: of reablement after a discharge in the year (65 and over), who remained in the community for 12 weeks.
readmitted AS (
  SELECT DISTINCT c.la_code, c.person_id, c.cluster_no
  FROM reablement_discharges c
  JOIN readmissions r ON r.person_id = c.person_id AND (r.la_code IS NULL OR r.la_code = c.la_code)
  WHERE r.admission_date > c.cluster_start AND r.admission_date > c.discharge_date
    AND DATE_DIFF('day', c.discharge_date, r.admission_date) <= 84
),
moved_into_care AS (
  SELECT DISTINCT c.la_code, c.person_id, c.cluster_no
  FROM reablement_discharges c
  JOIN lts s ON s.la_code = c.la_code AND s.person_id = c.person_id
  WHERE s.service_type IN ('Long term support: Residential care', 'Long term support: Nursing care')
    AND DATE_DIFF('day', c.discharge_date, s.start_date) BETWEEN 0 AND 84
),
flagged AS (
  SELECT c.la_code, c.person_id, c.cluster_start, c.discharge_date,
         CASE WHEN c.death_date IS NOT NULL AND DATE_DIFF('day', c.discharge_date, c.death_date) BETWEEN 0 AND 84
              THEN 1 ELSE 0 END AS died,
         CASE WHEN r.person_id IS NULL THEN 0 ELSE 1 END AS readmitted,
         CASE WHEN m.person_id IS NULL THEN 0 ELSE 1 END AS moved
  FROM reablement_discharges c
  LEFT JOIN readmitted r ON r.la_code = c.la_code AND r.person_id = c.person_id AND r.cluster_no = c.cluster_no
  LEFT JOIN moved_into_care m ON m.la_code = c.la_code AND m.person_id = c.person_id AND m.cluster_no = c.cluster_no
)
SELECT la_code, person_id, discharge_date AS start_date, cluster_start AS end_date,
       CASE WHEN died = 1 THEN 'Died within 12 weeks'
            WHEN readmitted = 1 THEN 'Readmitted within 12 weeks'
            WHEN moved = 1 THEN 'Residential or nursing care within 12 weeks'
            ELSE 'Remained in the community' END AS outcome,
       'all' AS grp,
       CASE WHEN died + readmitted + moved = 0 THEN 1 ELSE 0 END AS in_numerator,
       1 AS in_denominator
FROM flagged
