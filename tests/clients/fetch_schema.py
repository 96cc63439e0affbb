"""A third-party GraphQL library reads the gateway's schema as a tool does: sends
graphql-core's standard introspection query, builds a client schema from the answer
(graphql-core checks it is a whole, valid schema) and prints its root fields as JSON.

    python3 fetch_schema.py http://127.0.0.1:8000/graphql
"""
import json
import sys
import urllib.request

from graphql import build_client_schema, get_introspection_query, print_schema

url = sys.argv[1]
query = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)
req = urllib.request.Request(
    url,
    data=json.dumps({"query": query, "operationName": "IntrospectionQuery"}).encode(),
    headers={"content-type": "application/json"},
)
with urllib.request.urlopen(req) as res:
    answer = json.load(res)
if answer.get("errors"):
    sys.exit(f"introspection refused: {answer['errors']}")
schema = build_client_schema(answer["data"])
print(
    json.dumps(
        {
            "query": sorted(schema.query_type.fields),
            "mutation": sorted(schema.mutation_type.fields),
            "types": len(schema.type_map),
            "sdl_lines": len(print_schema(schema).splitlines()),
        }
    )
)
