from mountner.cli import main

main()
