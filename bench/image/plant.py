#!/usr/bin/env python3
"""Writes the fake secrets of the image benchmark into an unpacked root file system.

Every secret is generated here from a seed (format-valid, never a real credential) and
listed in a JSON file so the summary can tell which tool found which plant.

    plant.py --rootfs DIR --stage app|app-cleanup|large --seed N --planted FILE

Stages (one per image layer that holds plants):
  app          /app, /home/app, /srv files (the small image, and so the large one)
  app-cleanup  removes /app/old-credentials.txt again (a secret only in a lower layer:
               a tool that squashes the layers must not report it)
  large        plants in the two big layers of the large image
  env          prints the ENV plant (NAME=VALUE) for `umoci config --config.env`

The planted file is appended to (one JSON object: {"seed", "plants": [...]}), a plant is
{"id", "kind", "path", "line", "image": "small"|"large", "visible": bool, "where":
"file"|"config"}; "small" plants are in both images.
"""
import argparse
import base64
import json
import os
import random
import string

UPPER_DIGITS = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits


def secrets(seed):
    """The fixed set of fake secrets for a seed (same seed, same bytes)."""
    r = random.Random(seed)
    rand = lambda alphabet, n: "".join(r.choice(alphabet) for _ in range(n))  # noqa: E731
    key_body = base64.b64encode(bytes(r.getrandbits(8) for _ in range(1190))).decode()
    return {
        "aws_id": "AKIA" + rand(UPPER_DIGITS, 16),
        "aws_secret": rand(ALNUM + "/+", 40),
        "github": "ghp_" + rand(ALNUM, 36),
        "github_env": "ghp_" + rand(ALNUM, 36),
        "slack": "xoxb-%s-%s-%s" % (rand(string.digits, 12), rand(string.digits, 13), rand(ALNUM, 24)),
        "gitlab": "glpat-" + rand(ALNUM + "-_", 20),
        "stripe": "sk_live_" + rand(ALNUM, 24),
        "npm": "npm_" + rand(ALNUM, 36),
        "rsa": "-----BEGIN RSA PRIVATE KEY-----\n"
        + "\n".join(key_body[i : i + 64] for i in range(0, len(key_body), 64))
        + "\n-----END RSA PRIVATE KEY-----\n",
    }


def write(rootfs, path, text, mode=0o644):
    full = os.path.join(rootfs, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
    os.chmod(full, mode)


def line_of(text, needle):
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    raise SystemExit(f"plant.py: {needle[:8]}… not in its file")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rootfs")
    ap.add_argument("--stage", required=True, choices=["app", "app-cleanup", "large", "env"])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--planted")
    a = ap.parse_args()
    s = secrets(a.seed)

    if a.stage == "env":
        print(f"GITHUB_TOKEN={s['github_env']}")
        return

    plants = []

    def plant(kind, path, text, secret, image, visible=True, mode=0o644):
        write(a.rootfs, path, text, mode)
        plants.append(dict(id=f"{kind}@{path}", kind=kind, path=path, line=line_of(text, secret),
                           image=image, visible=visible, where="file"))

    if a.stage == "app":
        env = (
            "# service credentials\n"
            f"AWS_ACCESS_KEY_ID={s['aws_id']}\n"
            f"AWS_SECRET_ACCESS_KEY={s['aws_secret']}\n"
            "LOG_LEVEL=info\n"
        )
        plant("aws-access-key-id", "/app/.env", env, s["aws_id"], "small")
        plant("aws-secret-access-key", "/app/.env", env, s["aws_secret"], "small")
        plant("github-pat", "/app/deploy/settings.py",
              "import os\n\nDEBUG = False\n"
              f'GITHUB_TOKEN = "{s["github"]}"\n'
              'ALLOWED_HOSTS = ["api.internal"]\n', s["github"], "small")
        plant("private-key", "/home/app/.ssh/id_rsa", s["rsa"], "BEGIN RSA PRIVATE KEY", "small",
              mode=0o600)
        plant("slack-bot-token", "/srv/notify/config.yaml",
              "notify:\n  channel: '#deploys'\n"
              f"  slack_bot_token: \"{s['slack']}\"\n", s["slack"], "small")
        plant("gitlab-pat", "/app/old-credentials.txt",
              f"gitlab_token = {s['gitlab']}\n", s["gitlab"], "small", visible=False)
        plants.append(dict(id="github-pat@ENV", kind="github-pat", path="config.json", line=0,
                           image="small", visible=True, where="config"))
    elif a.stage == "app-cleanup":
        os.remove(os.path.join(a.rootfs, "app/old-credentials.txt"))
    elif a.stage == "large":
        plant("stripe-secret-key", "/usr/share/billing/billing.conf",
              "[stripe]\nmode = live\n"
              f"api_key = {s['stripe']}\n", s["stripe"], "large")
        plant("npm-token", "/usr/lib/x86_64-linux-gnu/node/.npmrc",
              "registry=https://registry.npmjs.org/\n"
              f"//registry.npmjs.org/:_authToken={s['npm']}\n", s["npm"], "large")

    if plants:
        doc = {"seed": a.seed, "plants": []}
        if a.planted and os.path.exists(a.planted):
            with open(a.planted) as f:
                doc = json.load(f)
        doc["plants"] += plants
        with open(a.planted, "w") as f:
            json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
