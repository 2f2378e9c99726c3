-- include: discharges, reablement_discharges
-- Legacy ASCOF 2B(1): still at home 91 days after a discharge (1 October to 31 December) into reablement, 65 and over.
autumn AS (
  SELECT * FROM reablement_discharges
  WHERE discharge_date BETWEEN DATE '{autumn_start}' AND DATE '{autumn_end}'
),
in_hospital AS (
  SELECT DISTINCT a.la_code, a.person_id, a.cluster_no
  FROM autumn a JOIN stays s ON s.person_id = a.person_id
  WHERE DATE_DIFF('day', a.discharge_date, s.admission_date) <= 91
    AND DATE_DIFF('day', a.discharge_date, s.discharge_date) >= 91
),
in_care AS (
  SELECT DISTINCT a.la_code, a.person_id, a.cluster_no
  FROM autumn a JOIN lts s ON s.la_code = a.la_code AND s.person_id = a.person_id
  WHERE s.service_type IN ('Long term support: Residential care', 'Long term support: Nursing care')
    AND DATE_DIFF('day', a.discharge_date, s.start_date) <= 91
    AND DATE_DIFF('day', a.discharge_date, s.end_date) >= 91
)
SELECT a.la_code, a.person_id, a.discharge_date AS start_date, a.cluster_start AS end_date,
       CASE WHEN a.death_date IS NOT NULL AND DATE_DIFF('day', a.discharge_date, a.death_date) <= 91 THEN 'Died'
            WHEN h.person_id IS NOT NULL THEN 'In hospital at 91 days'
            WHEN c.person_id IS NOT NULL THEN 'In residential or nursing care at 91 days'
            ELSE 'At home at 91 days' END AS outcome,
       'all' AS grp,
       CASE WHEN (a.death_date IS NULL OR DATE_DIFF('day', a.discharge_date, a.death_date) > 91)
                 AND h.person_id IS NULL AND c.person_id IS NULL THEN 1 ELSE 0 END AS in_numerator,
       1 AS in_denominator
FROM autumn a
LEFT JOIN in_hospital h ON h.la_code = a.la_code AND h.person_id = a.person_id AND h.cluster_no = a.cluster_no
LEFT JOIN in_care c ON c.la_code = a.la_code AND c.person_id = a.person_id AND c.cluster_no = a.cluster_no
