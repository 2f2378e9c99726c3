-- Shared definitions for every measure, in DuckDB's dialect; transpiled by SQLGlot for Spark.
-- The method follows DHSC's ASC-CLD-LA-Dashboard ASCOF SQL (MIT licence, Crown Copyright) and NHS England's
-- Central Transformation Principles for ASCOF and SALT; differences are listed in each measure's notes.
-- Reads the views of decision 0100, whatever registered them: cld_events_joined (the selected, de-duplicated
-- events over consecutive submissions: DHSC's joined submissions table, Release 2 names plus DHSC's derived
-- fields), cld_person_details (per council and person, their latest record), populations (area_code, age_band,
-- population) and hospital_activity (NHS_Number, Admission_Date, Discharge_Date, Admission_Method,
-- Discharge_Destination, Discharge_Method, Date_of_Birth, LA_Code).
outcome_rank AS (
  -- DHSC's event outcome hierarchy; outcomes that cannot be a sequel carry a penalty of 100
  SELECT outcome, outcome_rank FROM (VALUES
    ('Progress to reablement/ST-Max', 101),
    ('Progress to assessment, review or reassessment', 102),
    ('Release 1 specification only: Not mapped', 103),
    ('Progress to support planning or services', 104),
    ('Continuation of support or services', 105),
    ('Admitted to hospital', 6),
    ('NFA: Responsibility moved to another local authority', 7),
    ('NFA: Referral to NHS services or NHS funded social care', 8),
    ('NFA: Self-funded client or under 12wk disregard', 9),
    ('NFA: Information and advice or signposting', 10),
    ('NFA: Referral to other service within the local authority', 11),
    ('NFA: Support declined', 12),
    ('NFA: Deceased', 13),
    ('NFA: Support ended as planned', 14),
    ('NFA: Support ended for other reason', 15),
    ('NFA: No services offered for other reason', 16),
    ('NFA: Other', 17)
  ) AS t(outcome, outcome_rank)
),
service_rank AS (
  SELECT service, service_rank FROM (VALUES
    ('Long term support: Nursing care', 1),
    ('Long term support: Residential care', 2),
    ('Long term support: Community', 3),
    ('Long term support: Prison', 4),
    ('Short term support: ST-Max', 5),
    ('Short term support: Ongoing low level', 6),
    ('Short term support: Other short term', 7)
  ) AS t(service, service_rank)
),
people AS (
  SELECT LA_Code AS la_code, Der_NHS_LA_Combined_Person_ID AS person_id, Der_Birth_Date AS birth_date,
         Date_of_Death AS death_date
  FROM cld_person_details
  WHERE Der_NHS_LA_Combined_Person_ID IS NOT NULL
),
ev AS (
  SELECT e.LA_Code AS la_code, e.Der_NHS_LA_Combined_Person_ID AS person_id, e.Event_Type AS event_type,
         e.Service_Type AS service_type, e.Service_Component AS service_component,
         COALESCE(e.Event_Outcome, 'Invalid and not mapped') AS event_outcome,
         COALESCE(r.outcome_rank, 999) AS outcome_rank,
         e.Event_Start_Date AS start_date, COALESCE(e.Der_Event_End_Date, DATE '9999-01-01') AS end_date,
         e.Der_Event_End_Date AS recorded_end_date, e.Request_Route_of_Access AS route,
         e.Accommodation_Status AS accommodation
  FROM cld_events_joined e
  LEFT JOIN outcome_rank r ON e.Event_Outcome = r.outcome
  WHERE e.Client_Type = 'Service user'
    AND e.Der_NHS_LA_Combined_Person_ID IS NOT NULL
    AND e.Event_Start_Date IS NOT NULL
    AND (e.Der_Event_End_Date IS NULL OR e.Der_Event_End_Date >= e.Event_Start_Date)
),
stmax_ordered AS (
  -- each person's reablement events in order (partitioned first by a hash of the person: a number sorts faster
  -- than their two codes, and the partitions are the same)
  SELECT la_code, person_id, start_date, end_date, event_outcome, outcome_rank,
         MAX(end_date) OVER (PARTITION BY HASH(la_code, person_id), la_code, person_id
                             ORDER BY start_date, end_date, outcome_rank, event_outcome
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
  FROM ev
  WHERE event_type = 'Service' AND service_type = 'Short term support: ST-Max'
),
stmax_numbered AS (
  SELECT *,
         SUM(CASE WHEN DATE_DIFF('day', previous_end, start_date) <= 7 THEN 0 ELSE 1 END)
           OVER (PARTITION BY HASH(la_code, person_id), la_code, person_id ORDER BY start_date, end_date, outcome_rank, event_outcome
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cluster_no
  FROM stmax_ordered
),
stmax_ends AS (
  -- per episode and end date: its first start, and the best outcome of the events ending then (by the hierarchy,
  -- then by name), written as a three-digit rank and the outcome so that the least is the best
  SELECT la_code, person_id, cluster_no, end_date, MIN(start_date) AS first_start,
         MIN(LPAD(CAST(outcome_rank AS VARCHAR), 3, '0') || event_outcome) AS best
  FROM stmax_numbered
  GROUP BY la_code, person_id, cluster_no, end_date
),
stmax_clusters AS (
  -- each episode with its outcome: its latest-ending event's, ties by the hierarchy
  SELECT la_code, person_id, cluster_no, MIN(first_start) AS cluster_start, MAX(end_date) AS cluster_end,
         SUBSTR(ARG_MAX(best, end_date), 4) AS cluster_outcome,
         CAST(SUBSTR(ARG_MAX(best, end_date), 1, 3) AS INTEGER) AS cluster_rank
  FROM stmax_ends
  GROUP BY la_code, person_id, cluster_no
),
lts AS (
  -- long-term support: the columns the measures read, kept once (seven of them read it)
  SELECT la_code, person_id, service_type, service_component, event_outcome, start_date, end_date, accommodation
  FROM ev
  WHERE event_type = 'Service' AND service_type IN ('Long term support: Nursing care',
    'Long term support: Residential care', 'Long term support: Community', 'Long term support: Prison')
)
