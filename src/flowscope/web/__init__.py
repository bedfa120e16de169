"""Rules every HTTP server of flowscope applies (the service's API and the web UI), pure.

origin.py   same-origin rules: which Host names are served, which Origins are this server's
            own, what a write must show; one check both layers call
"""
