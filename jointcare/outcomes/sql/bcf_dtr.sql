-- include: discharges
-- Better Care Fund: discharges in the year to the usual place of residence, of people in the council's CLD.
SELECT p.la_code, d.person_id, d.admission_date AS start_date, d.discharge_date AS end_date,
       COALESCE(d.destination, 'Not known') AS outcome, 'all' AS grp,
       CASE WHEN d.destination = '19' THEN 1 ELSE 0 END AS in_numerator,
       1 AS in_denominator
FROM discharges d
JOIN people p ON p.person_id = d.person_id
WHERE d.discharge_date BETWEEN DATE '{start}' AND DATE '{end}'
  AND (d.destination IS NULL OR d.destination <> '79')
