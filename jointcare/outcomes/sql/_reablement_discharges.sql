-- Reablement episodes linked to the discharge that led to them (DHSC ASCOF 2D): the episode starts between 7 days
-- after and 3 days before a discharge of a person aged 65 and over, who was not in long-term residential, nursing
-- or prison support when admitted; the latest such discharge when several.
eligible_discharges AS (
  SELECT d.person_id, p.la_code, d.admission_date, d.discharge_date, p.death_date
  FROM discharges d
  JOIN people p ON p.person_id = d.person_id AND (d.la_code IS NULL OR d.la_code = p.la_code)
  WHERE COALESCE(d.birth_date, p.birth_date) IS NOT NULL
    AND FLOOR(DATE_DIFF('day', COALESCE(d.birth_date, p.birth_date), d.discharge_date) / 365.25) >= 65
    AND d.discharge_date BETWEEN DATE '{start}' AND DATE '{end}'
    AND (d.destination IS NULL OR d.destination NOT IN ('49', '50', '51', '52', '79', '87', '88'))
    AND (p.death_date IS NULL OR p.death_date >= DATE '{start}')
),
in_care_at_admission AS (
  SELECT DISTINCT d.person_id, d.la_code, d.admission_date
  FROM eligible_discharges d JOIN lts s ON s.person_id = d.person_id AND s.la_code = d.la_code
  WHERE s.service_type IN ('Long term support: Nursing care', 'Long term support: Residential care',
                           'Long term support: Prison')
    AND d.admission_date >= s.start_date AND d.admission_date <= s.end_date
),
linked AS (
  SELECT c.la_code, c.person_id, c.cluster_no, c.cluster_start, c.cluster_end, d.admission_date, d.discharge_date,
         d.death_date,
         ROW_NUMBER() OVER (PARTITION BY c.la_code, c.person_id, c.cluster_no
                            ORDER BY d.discharge_date DESC, d.admission_date DESC) AS rn
  FROM stmax_clusters c
  JOIN eligible_discharges d ON d.person_id = c.person_id AND d.la_code = c.la_code
  LEFT JOIN in_care_at_admission x ON x.person_id = d.person_id AND x.la_code = d.la_code
                                   AND x.admission_date = d.admission_date
  WHERE x.person_id IS NULL
    AND DATE_DIFF('day', c.cluster_start, d.discharge_date) BETWEEN -7 AND 3
    AND d.admission_date <= c.cluster_start
),
reablement_discharges AS (
  SELECT la_code, person_id, cluster_no, cluster_start, cluster_end, admission_date, discharge_date, death_date
  FROM linked WHERE rn = 1
)
