#!/usr/bin/env python3
"""Makes the systemd-coredump file next to this script from samples/leaky.core, with the real
systemd-coredump (Debian 12's 252), without systemd running: it plays the kernel's part (the core
on stdin of `systemd-coredump PID UID GID SIGNAL TIME LIMIT HOST`) and systemd's (the socket
/run/systemd/coredump, and the socket-activated service instance that stores the core).

    apt-get install systemd-coredump   # note: its postinst sets kernel.core_pattern to itself;
                                       # put it back afterwards (sysctl -w kernel.core_pattern=core)
    python3 systemd-coredump.py samples/leaky.core samples/leaky.bin
    # writes /var/lib/systemd/coredump/core.leaky\\x2ebin.0.BOOTID.PID.USEC.zst

The running program only lends its PID (systemd-coredump names the file and reads /proc by it).
"""
import os
import socket
import subprocess
import sys
import time

path = '/run/systemd/coredump'
os.makedirs(os.path.dirname(path), exist_ok=True)
try:
    os.unlink(path)
except FileNotFoundError:
    pass
server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
server.bind(path)
server.listen(1)
program = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
try:
    with open(sys.argv[1], 'rb') as core:
        kernel = subprocess.Popen(
            ['/lib/systemd/systemd-coredump', str(program.pid), '0', '0', '11', str(int(time.time())), '9223372036854775808', 'host'],
            stdin=core)
        connection, _ = server.accept()
        fd = connection.detach()
        service = subprocess.Popen(
            ['sh', '-c', 'exec 3<&%d; export LISTEN_FDS=1 LISTEN_PID=$$; exec /lib/systemd/systemd-coredump' % fd], pass_fds=(fd,))
        print('kernel side exited', kernel.wait(), '; service exited', service.wait())
finally:
    program.kill()
    os.unlink(path)
