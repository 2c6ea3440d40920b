"""deploy/.env.example lists exactly the keys `psm serve --help` knows, with the same defaults."""

import os
import re
import subprocess
import sys
import unittest

BINARY = os.environ.get("PSM_BIN", os.path.join(os.path.dirname(__file__), "../../build/psm"))
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class EnvExampleTest(unittest.TestCase):
    def test_env_example_matches_help(self):
        help_text = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True,
                                   check=True).stdout
        # "--listen TEXT=0.0.0.0:8080 (Env:PSM_LISTEN)" → {"PSM_LISTEN": "0.0.0.0:8080"}
        from_help = {}
        for m in re.finditer(r"--[\w-]+(?: [A-Z]+(?::\{[^}]*\})?(?:=(\S*))?)? \(Env:(PSM_\w+)\)",
                             help_text):
            from_help[m.group(2)] = m.group(1) or ""
        example = {}
        with open(os.path.join(ROOT, "deploy", ".env.example")) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    key, _, value = line.partition("=")
                    example[key] = value
        self.assertEqual(set(example), set(from_help))
        for key, value in from_help.items():
            if value:  # CLI11 prints numbers its own way (16 vs 16.0); compare as text or number
                try:
                    self.assertEqual(float(example[key]), float(value), key)
                except ValueError:
                    self.assertEqual(example[key], value, key)

    def test_help_and_version(self):
        out = subprocess.run([BINARY, "--version"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertTrue(out.stdout.startswith("psm "))
        out = subprocess.run([BINARY, "help"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        for sub in ["serve", "import", "admin"]:
            self.assertIn(sub, out.stdout)
        for args in (["serve"], ["import"], ["admin"], ["admin", "issue-pins"],
                     ["admin", "add-user"]):
            out = subprocess.run([BINARY, *args, "--help"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, args)
            self.assertIn("Usage", out.stdout)

    def test_bad_flag_value_is_a_clear_error(self):
        out = subprocess.run([BINARY, "serve", "--listen", "nonsense", "--store",
                              "sqlite:/nonexistent-dir-psm/x.db"], capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("HOST:PORT", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
