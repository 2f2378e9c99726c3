-- Hospital discharges, readmissions and stays from the loaded hospital activity.
discharges AS (
  SELECT NHS_Number AS person_id, LA_Code AS la_code, Admission_Date AS admission_date,
         Discharge_Date AS discharge_date, Discharge_Destination AS destination, Date_of_Birth AS birth_date
  FROM hospital_activity
  WHERE NHS_Number IS NOT NULL AND Admission_Date < Discharge_Date
    AND (Discharge_Method IS NULL OR Discharge_Method NOT IN ('4', '5'))
),
readmissions AS (
  SELECT NHS_Number AS person_id, LA_Code AS la_code, Admission_Date AS admission_date
  FROM hospital_activity
  WHERE NHS_Number IS NOT NULL AND Admission_Method LIKE '2%'
    AND (Discharge_Date IS NULL OR Admission_Date < Discharge_Date)
),
stays AS (
  SELECT NHS_Number AS person_id, Admission_Date AS admission_date,
         COALESCE(Discharge_Date, DATE '9999-01-01') AS discharge_date
  FROM hospital_activity WHERE NHS_Number IS NOT NULL
)
