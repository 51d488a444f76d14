from conftest import example


def test_civilites_in_spec_order(client):
    """R16: GET /Civilite lists the configured civilities (Nom, Code, NomLong, GenreMale)."""
    r = client.get("Civilite")
    assert r.status_code == 200
    body = r.json()
    documented = example("Civilite")["response"]
    assert body["@odata.context"].endswith("$metadata#Civilite")
    assert list(body["value"][0]) == list(documented["value"][0])
    assert {"Id": 1541, "Nom": "M", "Code": "M", "NomLong": "Monsieur", "GenreMale": True} in body["value"]
