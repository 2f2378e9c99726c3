-- With no hospital activity loaded: reablement follow-ups from CLD alone. A request whose route of access is
-- discharge from hospital stands for the discharge; an episode ending 'Admitted to hospital' for a readmission.
discharges AS (
  SELECT person_id, la_code, start_date AS admission_date, start_date AS discharge_date,
         CAST(NULL AS VARCHAR) AS destination, CAST(NULL AS DATE) AS birth_date
  FROM ev WHERE event_type = 'Request' AND route = 'Discharge from hospital'
),
readmissions AS (
  SELECT person_id, la_code, cluster_end AS admission_date
  FROM stmax_clusters WHERE cluster_outcome = 'Admitted to hospital'
),
stays AS (
  SELECT person_id, admission_date, discharge_date FROM discharges WHERE 1 = 0
)
