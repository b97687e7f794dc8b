"""Derives a test contract from one of GitHub's OpenAPI descriptions: what
the tests in tests/api validate bodies and webhook payloads against.

    python3 tests/schema/derive.py GITHUB_DESCRIPTION.json > tests/schema/ghes-X.Y-runners.json
    python3 tests/schema/derive.py webhooks-workflow-job.json > tests/schema/webhooks-workflow-job.json

What changes, and why:
- prose goes (description, summary, title, externalDocs, tags): it is not
  part of the wire contract and would only bloat the file;
- OpenAPI 3.0's `nullable: true` becomes JSON Schema: `"type": [T, "null"]`,
  or `anyOf [.., {"type": "null"}]` around a reference or composition,
  because a JSON Schema validator ignores `nullable` and would reject every
  `null` GitHub legitimately sends;
- GitHub's error schemas (basic-error, validation-error[-simple]) and the
  `/rate_limit` schemas are added where the description lacks them
  (ADDED below, written from GitHub's published REST API description).

An OpenAPI 3.1 description (the webhooks') is JSON Schema 2020-12 already:
its `webhooks` are kept beside `components`, `examples` (a list of values
in 3.1) count as data, and no error schema is added.
"""

import json
import sys

PROSE = {"description", "summary", "title", "externalDocs", "tags"}

# Keys whose values are data (examples), kept whole.
DATA = {"value", "example", "default", "enum"}

# In OpenAPI 3.1, a schema's `examples` is a list of values as well.
DATA_31 = DATA | {"examples"}

ADDED = json.loads(
    r"""
{
  "basic-error": {
    "type": "object",
    "properties": {
      "message": {
        "type": "string"
      },
      "documentation_url": {
        "type": "string"
      },
      "url": {
        "type": "string"
      },
      "status": {
        "type": "string"
      }
    }
  },
  "validation-error-simple": {
    "type": "object",
    "required": [
      "message",
      "documentation_url"
    ],
    "properties": {
      "message": {
        "type": "string"
      },
      "documentation_url": {
        "type": "string"
      },
      "errors": {
        "type": "array",
        "items": {
          "type": "string"
        }
      }
    }
  },
  "validation-error": {
    "x-ghes-mock-note": "Not from the contract files: written for ghes-mock from GitHub's published REST API description (the 422 `validation-error` body).",
    "type": "object",
    "required": [
      "message",
      "documentation_url"
    ],
    "properties": {
      "message": {
        "type": "string"
      },
      "documentation_url": {
        "type": "string"
      },
      "errors": {
        "type": "array",
        "items": {
          "type": "object",
          "required": [
            "code"
          ],
          "properties": {
            "resource": {
              "type": "string"
            },
            "field": {
              "type": "string"
            },
            "message": {
              "type": "string"
            },
            "code": {
              "type": "string"
            },
            "index": {
              "type": "integer"
            },
            "value": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "integer"
                },
                {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                },
                {
                  "type": "null"
                }
              ]
            }
          }
        }
      }
    }
  },
  "rate-limit": {
    "x-ghes-mock-note": "Not from the contract files: written for ghes-mock from GitHub's published REST API description (GET /rate_limit).",
    "type": "object",
    "required": [
      "limit",
      "remaining",
      "reset",
      "used"
    ],
    "properties": {
      "limit": {
        "type": "integer"
      },
      "remaining": {
        "type": "integer"
      },
      "reset": {
        "type": "integer"
      },
      "used": {
        "type": "integer"
      }
    }
  },
  "rate-limit-overview": {
    "x-ghes-mock-note": "Not from the contract files: written for ghes-mock from GitHub's published REST API description (GET /rate_limit).",
    "type": "object",
    "required": [
      "resources",
      "rate"
    ],
    "properties": {
      "resources": {
        "type": "object",
        "required": [
          "core",
          "search"
        ],
        "properties": {
          "core": {
            "$ref": "#/components/schemas/rate-limit"
          },
          "search": {
            "$ref": "#/components/schemas/rate-limit"
          },
          "graphql": {
            "$ref": "#/components/schemas/rate-limit"
          },
          "integration_manifest": {
            "$ref": "#/components/schemas/rate-limit"
          },
          "source_import": {
            "$ref": "#/components/schemas/rate-limit"
          },
          "code_scanning_upload": {
            "$ref": "#/components/schemas/rate-limit"
          },
          "actions_runner_registration": {
            "$ref": "#/components/schemas/rate-limit"
          },
          "scim": {
            "$ref": "#/components/schemas/rate-limit"
          }
        }
      },
      "rate": {
        "$ref": "#/components/schemas/rate-limit"
      }
    }
  }
}
"""
)


def clean(node, in_properties=False, data=DATA):
    """The node with prose dropped and `nullable` rewritten."""
    if isinstance(node, list):
        return [clean(item, data=data) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if not in_properties and key in PROSE:
            continue
        if not in_properties and key in data:
            out[key] = value
            continue
        # Keys of `properties`, `paths`, `responses` and the like are names,
        # not keywords; their values are schemas or objects again.
        out[key] = clean(value, in_properties=key in ("properties",), data=data)
    if in_properties:
        return out
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def main(source):
    with open(source) as f:
        description = json.load(f)
    webhooks = description["openapi"].startswith("3.1")
    data = DATA_31 if webhooks else DATA
    derived = {
        "openapi": description["openapi"],
        "info": {k: v for k, v in description["info"].items() if k in ("version", "title")},
        "servers": clean(description["servers"], data=data),
        "paths": {},
        "components": {},
    }
    for path, item in description.get("paths", {}).items():
        derived["paths"][path] = clean(item, data=data)
    if webhooks:
        del derived["paths"]
        derived["webhooks"] = {
            name: clean(item, data=data) for name, item in description["webhooks"].items()
        }
    for section, entries in description["components"].items():
        derived["components"][section] = {
            name: clean(entry, data=data) for name, entry in entries.items()
        }
    if not webhooks:
        schemas = derived["components"].setdefault("schemas", {})
        for name, schema in ADDED.items():
            schemas.setdefault(name, schema)
    json.dump(derived, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
