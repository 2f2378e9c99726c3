-- Hospital discharges, readmissions and stays from the loaded hospital activity.
discharges AS (
  SELECT nhs_number AS person_id, CAST(NULL AS VARCHAR) AS la_code, admission_date, discharge_date,
         discharge_destination AS destination
  FROM hospital_activity
  WHERE nhs_number IS NOT NULL AND admission_date < discharge_date
),
readmissions AS (
  SELECT nhs_number AS person_id, CAST(NULL AS VARCHAR) AS la_code, admission_date
  FROM hospital_activity
  WHERE nhs_number IS NOT NULL AND admission_method LIKE '2%'
),
stays AS (
  SELECT nhs_number AS person_id, admission_date, COALESCE(discharge_date, DATE '9999-01-01') AS discharge_date
  FROM hospital_activity WHERE nhs_number IS NOT NULL
)
