-- SALT STS001: requests from new clients completed in the year, by sequel.
requests_ordered AS (
  -- each person's completed requests in order (partitioned first by a hash of the person, as stmax_ordered is)
  SELECT la_code, person_id, start_date, end_date, event_outcome, outcome_rank,
         MAX(end_date) OVER (PARTITION BY HASH(la_code, person_id), la_code, person_id
                             ORDER BY start_date, end_date, outcome_rank, event_outcome
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
  FROM ev WHERE event_type = 'Request' AND recorded_end_date IS NOT NULL
),
requests_numbered AS (
  SELECT *,
         SUM(CASE WHEN DATE_DIFF('day', previous_end, start_date) <= 4 THEN 0 ELSE 1 END)
           OVER (PARTITION BY HASH(la_code, person_id), la_code, person_id
                 ORDER BY start_date, end_date, outcome_rank, event_outcome
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS request_no
  FROM requests_ordered
),
request_ends AS (
  -- per request and end date: its first start, and the best outcome of the events ending then (as in stmax_ends)
  SELECT la_code, person_id, request_no, end_date, MIN(start_date) AS first_start,
         MIN(LPAD(CAST(outcome_rank AS VARCHAR), 3, '0') || event_outcome) AS best
  FROM requests_numbered
  GROUP BY la_code, person_id, request_no, end_date
),
requests AS (
  -- each request with the outcome of its latest-ending event, ties by the hierarchy
  SELECT r.la_code, r.person_id, r.request_no, r.request_start, r.request_end, r.event_outcome
  FROM (SELECT la_code, person_id, request_no, MIN(first_start) AS request_start, MAX(end_date) AS request_end,
               SUBSTR(ARG_MAX(best, end_date), 4) AS event_outcome
        FROM request_ends GROUP BY la_code, person_id, request_no) r
  LEFT JOIN people p ON p.la_code = r.la_code AND p.person_id = r.person_id
  WHERE r.request_end BETWEEN DATE '{start}' AND DATE '{end}'
    AND (p.death_date IS NULL OR p.death_date >= DATE '{start}')
),
existing AS (
  SELECT DISTINCT q.la_code, q.person_id, q.request_no
  FROM requests q JOIN lts s ON s.la_code = q.la_code AND s.person_id = q.person_id
  WHERE q.request_start >= s.start_date AND q.request_start <= s.end_date
),
sequel_services AS (
  SELECT q.la_code, q.person_id, q.request_no, v.service_type,
         ROW_NUMBER() OVER (PARTITION BY q.la_code, q.person_id, q.request_no ORDER BY r.service_rank, v.start_date)
           AS rn
  FROM requests q
  JOIN ev v ON v.la_code = q.la_code AND v.person_id = q.person_id
  JOIN service_rank r ON r.service = v.service_type
  WHERE v.event_type = 'Service' AND DATE_DIFF('day', q.request_end, v.start_date) BETWEEN 0 AND 28
)
SELECT q.la_code, q.person_id, q.request_start AS start_date, q.request_end AS end_date,
       COALESCE(s.service_type, q.event_outcome) AS outcome, 'all' AS grp,
       CASE WHEN s.service_type = 'Short term support: ST-Max' THEN 1 ELSE 0 END AS in_numerator,
       1 AS in_denominator
FROM requests q
LEFT JOIN existing x ON x.la_code = q.la_code AND x.person_id = q.person_id AND x.request_no = q.request_no
LEFT JOIN sequel_services s ON s.la_code = q.la_code AND s.person_id = q.person_id AND s.request_no = q.request_no
                           AND s.rn = 1
WHERE x.person_id IS NULL
