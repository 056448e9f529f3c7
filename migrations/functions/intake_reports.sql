-- intake_reports: several reports in one call and one commit. Under load, intake groups the
-- submissions that arrive together (round trips and commits are the bottleneck); each report keeps
-- its own outcome. The live version (see intake_report.sql for how these files are applied).
CREATE OR REPLACE FUNCTION intake_reports(rs jsonb, keys jsonb, entries jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  results jsonb := '[]'::jsonb;
  i integer;
BEGIN
  FOR i IN 0 .. jsonb_array_length(rs) - 1 LOOP
    results := results || jsonb_build_array(intake_report(
      rs->i,
      ARRAY(SELECT jsonb_array_elements_text(keys->i)),
      ARRAY(SELECT decode(e, 'base64') FROM jsonb_array_elements_text(entries->i) AS e)
    ));
  END LOOP;
  RETURN results;
END
$$;
