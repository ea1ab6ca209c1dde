-- Create the fresh database a restore goes into as the live one is at the database level: encoding,
-- locale, owner, connection limit, ALTER DATABASE ... SET and ALTER ROLE ... IN DATABASE ... SET,
-- privileges and the comment. pg_dump without --create keeps none of these, so a restore into a new
-- database would silently drop them. Variables: live, tmp.
\set ON_ERROR_STOP 1
SELECT pg_encoding_to_char(d.encoding) AS enc, d.datcollate AS coll, d.datctype AS ctype,
       pg_get_userbyid(d.datdba) AS dbowner, d.datconnlimit AS connlimit
  FROM pg_database d WHERE d.datname = :'live' \gset
CREATE DATABASE :"tmp" WITH TEMPLATE template0 OWNER :"dbowner"
  ENCODING :'enc' LC_COLLATE :'coll' LC_CTYPE :'ctype' CONNECTION LIMIT :connlimit;
-- Settings: a list-valued setting (search_path ...) is stored as a valid list already; any other
-- value is quoted as a literal.
SELECT format('ALTER %s SET %I = %s',
              CASE WHEN s.setrole = 0 THEN format('DATABASE %I', :'tmp')
                   ELSE format('ROLE %I IN DATABASE %I', pg_get_userbyid(s.setrole), :'tmp') END,
              split_part(c.item, '=', 1),
              CASE WHEN split_part(c.item, '=', 1) IN ('search_path', 'temp_tablespaces',
                        'session_preload_libraries', 'local_preload_libraries')
                   THEN substr(c.item, strpos(c.item, '=') + 1)
                   ELSE quote_literal(substr(c.item, strpos(c.item, '=') + 1)) END)
  FROM pg_db_role_setting s
  JOIN pg_database d ON d.oid = s.setdatabase AND d.datname = :'live'
  CROSS JOIN LATERAL unnest(s.setconfig) AS c(item)
\gexec
-- Privileges: only when the live database has its own (NULL means the defaults a new one has too).
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'tmp')
  FROM pg_database WHERE datname = :'live' AND datacl IS NOT NULL
\gexec
SELECT format('GRANT %s ON DATABASE %I TO %s', a.privilege_type, :'tmp',
              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
  FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a
 WHERE d.datname = :'live'
\gexec
SELECT format('COMMENT ON DATABASE %I IS %L', :'tmp', sd.description)
  FROM pg_shdescription sd JOIN pg_database d ON d.oid = sd.objoid
 WHERE d.datname = :'live' AND sd.classoid = 'pg_database'::regclass
\gexec
