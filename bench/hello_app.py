"""The ceiling: a bare Falcon "hello" under the gateway's own gunicorn settings."""
import falcon


class Hello:
    def on_get(self, req, resp):
        resp.media = {"hello": "senja"}


app = falcon.App()
app.add_route("/hello", Hello())
