"""The baseline: a bare Flask app with one `jsonify` endpoint whose answer is about the
size and shape of one public lookup answer (one result). Served by bench/harness.serve
with the same gunicorn settings as the portal: `bench.bare_app:app`."""
from flask import Flask, jsonify

app = Flask(__name__)

PAYLOAD = {
    "query": "www.example-site-123456.cn",
    "page": 1,
    "total": 1,
    "results": [{
        "subject_filing_number": "京ICP备12345678号",
        "service_filing_number": "京ICP备12345678号-1",
        "subject_name": "北京示例网络科技有限公司",
        "subject_nature": "enterprise",
        "service_name": "示例网络科技官网",
        "service_kind": "website",
        "homepage": "https://www.example-site-123456.cn/",
        "domains": ["example-site-123456.cn", "example-site-123456.com.cn"],
        "pre_approvals": [],
        "restricted": False,
        "violation": False,
        "approved_on": "2024-05-17",
    }],
}


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def answer(path):
    return jsonify(PAYLOAD)
