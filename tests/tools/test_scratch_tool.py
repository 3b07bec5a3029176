from support.harness import call, harness, text


async def test_get_rmm_alert(tmp_path):
    async with harness(tmp_path, toolsets=["assets"]) as h:
        aid = next(iter(h.sandbox.state.rmm_alerts))
        r = await call(h.server, "get_rmm_alert", {"alert_id": aid})
        assert not r.is_error, text(r)
        assert r.structured_content["alerts"][0]["id"] == aid
        print(text(r))
