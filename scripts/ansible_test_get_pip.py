"""Stand-in for the pip bootstrap script that ansible-test downloads from a host unreachable here.

ansible-test runs this file with the pip options it wants (for example ``pip==24.2``) after
creating an empty virtual environment. We get pip from the interpreter's own ``ensurepip`` and then
let that pip install the exact packages ansible-test asked for from the package index.
"""

import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
